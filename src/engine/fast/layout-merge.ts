/**
 * Layouts with optional members. The lines of a stream often differ only by
 * members some have and others lack (an `error` on failed requests, a
 * `referrer` now and then): a layout per combination would be tried one
 * after another on every line. Instead, a layout learned from a line that
 * differs so from one already known is merged into it: the keys of both in
 * the order both agree with, those not in both optional. A regular
 * expression of it (`,"k":V` in an optional group) tells the members apart
 * by their names, at the cost of a few characters compared per optional
 * member; it still accepts only valid JSON objects, each key at most once.
 */
export interface LayoutMember {
  readonly key: string;
  /** What the line writes before the key: `{` for the first member, `,` or `, ` (see line-shapes.ts topLevelLayout). */
  readonly before: string;
  /** What it writes after the key: `:` or `: `. */
  readonly colon: string;
  readonly optional: boolean;
}

/** Optional members a layout may have; beyond them, lines take layouts of their own. */
export const MAX_OPTIONAL = 8;

/**
 * The members of a layout accepting both the lines `old` accepts and the
 * line whose members are `line`; undefined when the two orders disagree, a
 * key both have is written otherwise (`same` false), the first member is not
 * the same required one in both, nothing would be added, or the layout would
 * have more than MAX_OPTIONAL optional members.
 */
export function mergedMembers<M extends LayoutMember>(old: readonly M[], line: readonly M[], same: (known: M, seen: M) => boolean, optional: (m: M) => M): M[] | undefined {
  if (old.length === 0 || line.length === 0 || old[0]!.optional || old[0]!.key !== line[0]!.key) return undefined;
  const inLine = new Map(line.map((m, i) => [m.key, i]));
  const inOld = new Set(old.map((m) => m.key));
  const out: M[] = [];
  let j = 0;
  let added = false;
  const insertUpTo = (k: number): boolean => {
    for (; j < k; j++) {
      // A key old has further on: the orders disagree.
      if (inOld.has(line[j]!.key)) return false;
      out.push(optional(line[j]!));
      added = true;
    }
    return true;
  };
  for (const m of old) {
    const k = inLine.get(m.key);
    if (k === undefined) {
      if (!m.optional) added = true;
      out.push(m.optional ? m : optional(m));
      continue;
    }
    if (k < j || !insertUpTo(k) || !same(m, line[k]!)) return undefined;
    out.push(m);
    j = k + 1;
  }
  if (!insertUpTo(line.length) || !added) return undefined;
  if (out.filter((m) => m.optional).length > MAX_OPTIONAL) return undefined;
  return out;
}
