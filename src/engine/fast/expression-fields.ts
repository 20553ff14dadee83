/**
 * The top-level fields a map/filter expression reads from its record `r`, when
 * that can be seen from the text: every use of `r` is `r.name` (a plain
 * property read). Any other use (`r[...]`, `r?.x`, `{...r}`, `f(r)`, `'r'` in a
 * string, which may be code for eval) gives undefined: the whole record is needed.
 * Expressions that can reach the record without naming it (`arguments`, `eval`,
 * `Function`) also give undefined.
 */
export function fieldsOfExpression(expr: string): string[] | undefined {
  if (/\b(arguments|eval|Function|with)\b/.test(expr) || expr.includes('\\u')) return undefined;
  const fields = new Set<string>();
  const bareR = /(?<![\w$\\])r(?![\w$])/g;
  for (let m = bareR.exec(expr); m; m = bareR.exec(expr)) {
    // `x.r` is another object's property r; `...r` spreads the record.
    if (expr[m.index - 1] === '.' && !expr.startsWith('...', m.index - 3)) continue;
    const access = /^\.([A-Za-z_$][\w$]*)(?![\w$])/.exec(expr.slice(m.index + 1));
    if (!access) return undefined;
    fields.add(access[1]!);
  }
  return [...fields];
}

/** Fields read by a stage that reads `own` and passes its input record on to a stage reading `next`. */
export function unionFields(own: readonly string[] | undefined, next: readonly string[] | undefined): string[] | undefined {
  if (own === undefined || next === undefined) return undefined;
  return [...new Set([...own, ...next])];
}
