import { agreedOrder } from './gap-order.js';

/**
 * Layouts with optional members. The lines of a stream often differ only by
 * members some have and others lack (an `error` on failed requests, a
 * `referrer` now and then): a layout per combination would be tried one
 * after another on every line. Instead, a layout learned from a line that
 * differs so from one already known is merged into it: the members both
 * have stay required, the others become optional. The optional members
 * between two required ones are a gap, written in the order every line
 * learned into the layout agrees with (gap-order.ts) or, when those lines
 * disagree (producers that build a record conditionally write its optional
 * members in varying order), taken in any order (layout-pattern.ts). A
 * regular expression of it (`,"k":V` in an optional group) tells the
 * members apart by their names, at the cost of a few characters compared
 * per optional member; it still accepts only valid JSON objects, each key
 * at most once.
 */
export interface LayoutMember {
  readonly key: string;
  /** What the line writes before the key: `{` for the first member, `,` or `, ` (see line-shapes.ts topLevelLayout). */
  readonly before: string;
  /** What it writes after the key: `:` or `: `. */
  readonly colon: string;
  readonly optional: boolean;
  /** An optional member of a gap that the lines learned write in more than one order: the gap takes its members in any order. */
  readonly anyOrder: boolean;
}

/** A layout's members, and the key orders of the lines learned into it. */
export interface LearnedLayout<M extends LayoutMember> {
  readonly members: readonly M[];
  readonly orders: readonly (readonly string[])[];
}

/** Optional members a layout may have; beyond them, lines take layouts of their own. */
export const MAX_OPTIONAL = 8;
/** Members of a gap taken in any order: its pattern has a copy of each per member (layout-pattern.ts), so beyond, lines take layouts of their own. */
export const MAX_ANY_ORDER = 4;

/** The layout of one line's members. */
export function lineLayout<M extends LayoutMember>(members: readonly M[]): LearnedLayout<M> {
  return { members, orders: [members.map((m) => m.key)] };
}

/**
 * The layout accepting both the lines `old` accepts and the line whose
 * members are `line`. The members old requires that the line has stay
 * required, as many as can in one order in both (requiredInBoth); each other
 * member of either is optional, in the gap after the required member it
 * follows. Undefined when a key both have is written otherwise (`same`
 * false), the first member is not the same required one in both, either
 * writes a key twice (JSON.parse keeps the last, which a layout does not
 * say), nothing would change, or the layout would have more than
 * MAX_OPTIONAL optional members or a gap in any order of more than MAX_ANY_ORDER.
 */
export function mergedLayout<M extends LayoutMember>(old: LearnedLayout<M>, line: readonly M[], same: (known: M, seen: M) => boolean): LearnedLayout<M> | undefined {
  const known = old.members;
  if (known.length === 0 || line.length === 0 || known[0]!.optional || known[0]!.key !== line[0]!.key) return undefined;
  const inOld = keyIndex(known);
  const inLine = keyIndex(line);
  if (inOld === undefined || inLine === undefined) return undefined;
  for (const m of line) {
    const k = inOld.get(m.key);
    if (k !== undefined && !same(known[k]!, m)) return undefined;
  }
  const required = requiredInBoth(known, line, inLine);
  const oldGap = gapsOf(known, required);
  const lineGap = gapsOf(line, required);
  // A gap's members: those of old's gaps and the required members between them the line lacks, then the line's new ones.
  const gaps: M[][] = Array.from({ length: required.size }, () => []);
  known.forEach((m, k) => {
    if (!required.has(m.key)) gaps[oldGap[k]!]!.push(m);
  });
  line.forEach((m, i) => {
    if (!inOld.has(m.key)) gaps[lineGap[i]!]!.push(m);
  });
  const orders = [...old.orders, line.map((m) => m.key)];
  const heads = known.filter((m) => required.has(m.key));
  const ordered = gaps.map((gap) => gapMembers(gap, orders));
  if (ordered.some((gap) => gap.length > MAX_ANY_ORDER && gap[0]!.anyOrder)) return undefined;
  const members = heads.flatMap((head, g) => [head, ...ordered[g]!]);
  if (members.filter((m) => m.optional).length > MAX_OPTIONAL || sameLayout(members, known)) return undefined;
  return { members, orders };
}

/**
 * The members old requires that stay required: those the line has too, as
 * many as come in the same order in both (a longest common subsequence, the
 * first member in it), less those between which a member both have is in
 * one gap in old and in another in the line (merging the gaps, so that it is
 * in the same one in both).
 */
function requiredInBoth(known: readonly LayoutMember[], line: readonly LayoutMember[], inLine: ReadonlyMap<string, number>): Set<string> {
  const shared = known.filter((m) => !m.optional && inLine.has(m.key)).map((m) => m.key);
  const heads = commonSubsequence(
    shared,
    line.map((m) => m.key).filter((k) => shared.includes(k)),
  );
  for (;;) {
    const required = new Set(heads);
    const gaps = gapsOf(known, required);
    const oldGap = new Map(known.map((m, k) => [m.key, gaps[k]!]));
    const lineGap = gapsOf(line, required);
    const moved = line.findIndex((m, i) => oldGap.has(m.key) && oldGap.get(m.key) !== lineGap[i]);
    if (moved < 0) return required;
    const a = oldGap.get(line[moved]!.key)!;
    const b = lineGap[moved]!;
    heads.splice(Math.min(a, b) + 1, Math.abs(a - b));
  }
}

/** A longest sequence of keys that both `a` and `b` have in this order, their first one in it when it is the same. */
function commonSubsequence(a: readonly string[], b: readonly string[]): string[] {
  // longest[i][j]: the length of one in a[i..] and b[j..].
  const longest = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) longest[i]![j] = a[i] === b[j] ? longest[i + 1]![j + 1]! + 1 : Math.max(longest[i + 1]![j]!, longest[i]![j + 1]!);
  }
  const out: string[] = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      out.push(a[i]!);
      i++;
      j++;
    } else if (longest[i + 1]![j]! >= longest[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

/** The members of a gap, optional, in the order all lines agree with, else in any order. */
function gapMembers<M extends LayoutMember>(gap: readonly M[], orders: readonly (readonly string[])[]): M[] {
  const keys = gap.map((m) => m.key);
  const order = gap.length < 2 ? keys : agreedOrder(keys, orders);
  if (order === undefined) return gap.map((m) => ({ ...m, optional: true, anyOrder: true }));
  const byKey = new Map(gap.map((m) => [m.key, m]));
  return order.map((key) => ({ ...byKey.get(key)!, optional: true, anyOrder: false }));
}

/** For each member, the gap it is in: the number of required members up to it, less one. */
function gapsOf(members: readonly LayoutMember[], required: ReadonlySet<string>): number[] {
  let gap = -1;
  return members.map((m) => (required.has(m.key) ? ++gap : gap));
}

/** Each key's index; undefined when a key is written twice. */
function keyIndex(members: readonly LayoutMember[]): Map<string, number> | undefined {
  const index = new Map(members.map((m, i) => [m.key, i]));
  return index.size === members.length ? index : undefined;
}

function sameLayout(a: readonly LayoutMember[], b: readonly LayoutMember[]): boolean {
  return a.length === b.length && a.every((m, i) => m.key === b[i]!.key && m.optional === b[i]!.optional && m.anyOrder === b[i]!.anyOrder);
}
