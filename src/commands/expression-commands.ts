import { ExpressionOperator } from '../engine/operators/expression-operator.js';
import { batchOption, dataOnlyOption, readingOptions } from './common-options.js';
import { runTransform } from './run-transform.js';
import type { CommandSpec } from '../spec.js';

const exprPositional = { name: 'expr', describe: 'JavaScript expression with the record in scope as r (trusted code, compiled once)' };

export const mapCommand: CommandSpec = {
  name: 'map',
  summary: 'transform each record with a JavaScript expression (--flat: one record to many)',
  description: [
    'Evaluates EXPR for every record, with the record in scope as r. An object result is the new record; any other value v becomes {"value": v}, as in Spark. With --flat, EXPR returns an array and each element becomes a record (Spark\'s flatMap).',
    'Control records (batch boundaries, watermarks) pass through in order. An expression that throws makes the record bad under --on-error.',
  ],
  positionals: [exprPositional],
  options: [{ name: 'flat', type: 'boolean', default: false, describe: 'EXPR returns an array; emit one record per element' }, ...readingOptions, batchOption, dataOnlyOption],
  examples: [
    { cmd: `echo '{"n":2}' | sluice map '({n: r.n * 10})'`, describe: 'multiply a field' },
    { cmd: `printf 'a b\\n' | sluice source | sluice map --flat 'r.value.split(" ")'`, describe: 'split lines into words' },
  ],
  operator: (args) => (next, ctx) => new ExpressionOperator(args['flat'] ? 'flat' : 'map', String(args['expr']), next, ctx),
  run: (args, io) => runTransform('map', args, io, mapCommand.operator!(args)),
};

export const filterCommand: CommandSpec = {
  name: 'filter',
  summary: 'keep the records for which a JavaScript expression is truthy',
  description: [
    'Evaluates EXPR for every record, with the record in scope as r, and keeps the record when the result is truthy. Kept records are forwarded as the exact input line, without re-serialising.',
  ],
  positionals: [exprPositional],
  options: [...readingOptions, batchOption, dataOnlyOption],
  examples: [{ cmd: `printf '{"n":1}\\n{"n":5}\\n' | sluice filter 'r.n > 2'`, describe: 'keep records with n above 2' }],
  operator: (args) => (next, ctx) => new ExpressionOperator('filter', String(args['expr']), next, ctx),
  run: (args, io) => runTransform('filter', args, io, filterCommand.operator!(args)),
};
