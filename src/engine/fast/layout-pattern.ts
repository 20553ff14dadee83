import type { LayoutMember } from './layout-merge.js';

/** How one member of a layout is written in its regular expression. */
export interface MemberPattern {
  /** Its separator, quoted name and colon, as a pattern. */
  readonly name: string;
  /** Its value, without capture groups. */
  readonly value: string;
  /** The same value with the groups that capture it (accepting exactly what `value` accepts); undefined when it is not captured. */
  readonly captured: string | undefined;
}

/** The capture groups of a regular expression so far. */
export interface GroupCount {
  count: number;
}

/**
 * The pattern of members [from, to) of a layout (layout-merge.ts): a
 * required member as it is, an optional one in an optional group, and a gap
 * whose members come in any order as anyOrderGap() writes it. `pattern(i)`
 * is asked for each member in order, and may number its groups from
 * `groups` then: the groups appear in the pattern in that order. Undefined
 * when `pattern` gives undefined.
 */
export function membersPattern(members: readonly LayoutMember[], from: number, to: number, pattern: (i: number) => MemberPattern | undefined, groups: GroupCount): string | undefined {
  let out = '';
  for (let i = from; i < to; ) {
    if (members[i]!.anyOrder) {
      const gap: MemberPattern[] = [];
      for (; i < to && members[i]!.anyOrder; i++) {
        const p = pattern(i);
        if (p === undefined) return undefined;
        gap.push(p);
      }
      out += anyOrderGap(gap, groups);
      continue;
    }
    const p = pattern(i);
    if (p === undefined) return undefined;
    const text = p.name + (p.captured ?? p.value);
    out += members[i]!.optional ? `(?:${text})?` : text;
    i++;
  }
  return out;
}

/**
 * The pattern of a gap that takes any of its members in any order, each at
 * most once: as many nested optional copies of "one of the members" as there
 * are members, each copy refusing a name an earlier copy took (compared by a
 * backreference to the group that copy captured it in). A line writing a key
 * twice in the gap is so left to the general path, which reads the last one
 * as JSON.parse does. Captured values are found by a lookahead from the
 * gap's start that skips the other members (each lookahead atomic, each
 * member's extent fixed by its pattern, so the match stays linear). Its
 * groups come first, in the members' order, then the copies' names.
 */
function anyOrderGap(gap: readonly MemberPattern[], groups: GroupCount): string {
  const n = gap.length;
  const plain = gap.map((p) => p.name + p.value);
  let out = '';
  gap.forEach((p, i) => {
    if (p.captured === undefined) return;
    const others = plain.filter((_, j) => j !== i).join('|');
    out += `(?=(?:(?:${others}){0,${n - 1}}${p.name}${p.captured})?)`;
  });
  const anyMember = `(?:${plain.join('|')})`;
  const anyName = gap.map((p) => p.name).join('|');
  const taken: number[] = [];
  let copies = '';
  for (let t = 0; t < n; t++) {
    const fresh = t === 0 ? '' : `(?!${taken.map((g) => `\\${g}`).join('|')})`;
    if (t < n - 1) taken.push(++groups.count);
    const named = t < n - 1 ? `(?=(${anyName}))` : '';
    copies += `(?:${fresh}${named}${anyMember}`;
  }
  return out + copies + ')?'.repeat(n);
}
