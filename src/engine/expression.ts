import { Script } from 'node:vm';
import { UsageError } from './errors.js';

export type Compiled<F extends (...args: never[]) => unknown> = F & { source: string };

/**
 * Compiles a user expression once into a function of the given parameter names.
 * Expressions are trusted user code (like a jq program or an awk script) and run
 * with full access to JavaScript. A syntax error is a usage error that shows the
 * expression and points at the offending column.
 */
export function compileExpression<F extends (...args: never[]) => unknown>(
  expr: string,
  params: string[],
  optionName: string,
): Compiled<F> {
  const body = `(function (${params.join(', ')}) { return (\n${expr}\n); })`;
  let fn: F;
  try {
    fn = new Script(body, { filename: 'expression' }).runInThisContext() as F;
  } catch (err) {
    throw new UsageError(`${optionName}: ${describeSyntaxError(expr, err)}`);
  }
  return Object.assign(fn, { source: expr });
}

function describeSyntaxError(expr: string, err: unknown): string {
  const message = (err as Error).message ?? String(err);
  // V8 puts the offending source line and a caret line at the top of the stack.
  const stackLines = String((err as Error).stack ?? '').split('\n');
  const caretLine = stackLines.find((l) => /^\s*\^+\s*$/.test(l));
  // The expression is line 2 of the wrapper; an error on a later line is at its end (unclosed bracket, dangling operator).
  const errorLine = Number(/^expression:(\d+)/.exec(stackLines[0] ?? '')?.[1]);
  // (V8 then names a token of the wrapper, which would only confuse.)
  if (errorLine > 1 + expr.split('\n').length) return `syntax error in '${expr}' at the end: the expression is incomplete (an unclosed bracket or a missing operand?)`;
  if (caretLine && expr.indexOf('\n') === -1) {
    const column = caretLine.indexOf('^');
    return `syntax error in '${expr}' at column ${column + 1}: ${message}`;
  }
  return `syntax error in '${expr}': ${message}`;
}
