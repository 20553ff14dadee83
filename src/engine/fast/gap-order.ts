/**
 * The order of a gap's optional members (layout-merge.ts). A producer that
 * builds its records in code writes their optional members in one order,
 * but which of them come first in a stream is chance: a layout's gap is put
 * in an order that every line learned into the layout agrees with (each
 * writes the gap's keys it has in that order), changed when a line shows
 * one it did not know, so lines in the producer's order match one layout.
 */

/**
 * `keys` in an order each of `orders` agrees with (other keys in them
 * ignored), keeping `keys`' own order where they say nothing; undefined when
 * they disagree (two keys written in both orders, or a longer cycle).
 */
export function agreedOrder(keys: readonly string[], orders: readonly (readonly string[])[]): string[] | undefined {
  const inGap = new Set(keys);
  /** For each key, the keys some order writes right after it (among the gap's). */
  const next = new Map<string, Set<string>>(keys.map((k) => [k, new Set()]));
  const before = new Map<string, number>(keys.map((k) => [k, 0]));
  for (const order of orders) {
    let prev: string | undefined;
    for (const key of order) {
      if (!inGap.has(key)) continue;
      if (prev !== undefined && !next.get(prev)!.has(key)) {
        next.get(prev)!.add(key);
        before.set(key, before.get(key)! + 1);
      }
      prev = key;
    }
  }
  const left = [...keys];
  const out: string[] = [];
  while (left.length > 0) {
    const i = left.findIndex((k) => before.get(k) === 0);
    if (i < 0) return undefined;
    const key = left.splice(i, 1)[0]!;
    out.push(key);
    for (const k of next.get(key)!) before.set(k, before.get(k)! - 1);
  }
  return out;
}
