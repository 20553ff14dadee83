import { isRecordMember, memberName, parseExpression, type AnyNode } from './expression-parse.js';
import { fastPathsOn } from './switch.js';

/**
 * A flat map that tokenises one string field, recognised from a parse of the
 * expression and run as a declared plan (fast/field-split.ts) instead of
 * building the arrays the expression builds:
 *
 *     r.F [.toLowerCase() | .toUpperCase()] .split(SEP) [.filter(NON_EMPTY)]
 *     r.F [.toLowerCase() | .toUpperCase()] .match(/ATOM+/g) ?? []      (or `|| []`)
 *
 * SEP is a non-empty string literal, or a regular expression literal that is
 * one atom matching exactly one UTF-16 code unit (a class `[...]`, `\s`, `\w`,
 * `\d` and their negations, `.`, an escaped or plain character), alone or
 * followed by `+`, with flags among `gimsy`. NON_EMPTY is a callback that keeps
 * exactly the non-empty strings: `(w) => w !== ""`, `w != ''`, `w.length > 0`,
 * `w.length !== 0`, `w.length >= 1`, `w.length`, `w`, `!!w`, `Boolean(w)`,
 * the same as a `function` with one `return`, or `Boolean` itself; or one
 * that keeps the strings of at least N code units: `w.length > N - 1`,
 * `w.length >= N` (N a whole number literal), and the same turned round.
 *
 * A match of ATOM+ (ATOM as for SEP, flags with `g`, without `y`) gives the
 * maximal runs of the units ATOM matches, which is the split at runs of the
 * other units with the empty pieces dropped: its plan is that split (the
 * class inverted). A match of nothing is null, hence the `?? []`.
 *
 * The pieces are exactly what the expression gives for a string field: a
 * one-unit atom never matches the empty string and has no captures, so
 * String.prototype.split with it cuts at every matching unit (`+`: at every
 * maximal run of them); which units match is asked of the regular expression
 * engine itself, one unit at a time, with the expression's own flags. Case
 * changes use the string's own toLowerCase/toUpperCase (Unicode special
 * casing included). A record whose field is not a string runs the expression.
 */
export interface TokenPlan {
  field: string;
  caseMap: 'lower' | 'upper' | undefined;
  /** A string separator, cut with indexOf. */
  text: string | undefined;
  /** A one-unit regular expression separator. */
  units: UnitClass | undefined;
  /** A run of matching units is one separator (`+`). */
  runs: boolean;
  /** Pieces shorter than this (in UTF-16 code units) are dropped (the filter); 0 keeps all, 1 drops the empty ones. */
  minLength: number;
}

/**
 * The set of UTF-16 code units one regular expression atom matches, asked of
 * the engine: ASCII up front, any other unit when first seen.
 */
export class UnitClass {
  /** 1 for an ASCII unit in the class. */
  readonly ascii = new Uint8Array(128);
  /** Units from 128 on: 0 not asked yet, 1 out, 2 in. */
  private readonly high = new Uint8Array(0x10000);

  /** `inverted`: the units the atom does not match. */
  constructor(
    private readonly one: RegExp,
    private readonly inverted = false,
  ) {
    for (let c = 0; c < 128; c++) this.ascii[c] = one.test(String.fromCharCode(c)) !== inverted ? 1 : 0;
  }

  has(c: number): boolean {
    if (c < 128) return this.ascii[c] === 1;
    let known = this.high[c]!;
    if (known === 0) known = this.high[c] = this.one.test(String.fromCharCode(c)) !== this.inverted ? 2 : 1;
    return known === 2;
  }

  /** The class of the units this one leaves out. */
  inverse(): UnitClass {
    return new UnitClass(this.one, !this.inverted);
  }

  /** The first index from `i` on whose unit is not in the class (the end of a run of separators). */
  runEnd(s: string, i: number): number {
    const n = s.length;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 128 ? this.ascii[c] !== 1 : !this.has(c)) break;
      i++;
    }
    return i;
  }
}

/** The plan of a flat map expression, when it is one of the family above; else undefined. */
export function tokenPlanOf(expr: string): TokenPlan | undefined {
  if (!fastPathsOn()) return undefined;
  let node = parseExpression(expr) as AnyNode | undefined;
  if (node === undefined) return undefined;
  // `X ?? []`: a match of nothing (null) as no pieces.
  const orEmpty = orEmptyArray(node);
  if (orEmpty !== undefined) node = orEmpty;
  let minLength = 0;
  let separator: Pick<TokenPlan, 'text' | 'units' | 'runs'> | undefined;
  const match = orEmpty !== undefined ? methodCall(node, 'match') : undefined;
  if (match !== undefined) {
    if (match.args.length !== 1) return undefined;
    separator = runsMatched(match.args[0]!);
    minLength = 1;
    node = match.object;
  } else {
    const filter = methodCall(node, 'filter');
    if (filter !== undefined) {
      const kept = filter.args.length === 1 ? shortestKept(filter.args[0]!) : undefined;
      if (kept === undefined) return undefined;
      minLength = kept;
      node = filter.object;
    }
    const split = methodCall(node, 'split');
    if (split === undefined || split.args.length !== 1) return undefined;
    separator = separatorOf(split.args[0]!);
    node = split.object;
  }
  if (separator === undefined) return undefined;
  let caseMap: TokenPlan['caseMap'];
  const lower = methodCall(node, 'toLowerCase');
  const upper = lower === undefined ? methodCall(node, 'toUpperCase') : undefined;
  const cased = lower ?? upper;
  if (cased !== undefined) {
    if (cased.args.length !== 0) return undefined;
    caseMap = lower !== undefined ? 'lower' : 'upper';
    node = cased.object;
  }
  if (!isRecordMember(node) || node['optional']) return undefined;
  const field = memberName(node);
  if (field === undefined) return undefined;
  return { field, caseMap, minLength, ...separator };
}

/** X of `X ?? []` or `X || []` (an empty array literal), else undefined. */
function orEmptyArray(node: AnyNode): AnyNode | undefined {
  if (node.type !== 'LogicalExpression' || (node['operator'] !== '??' && node['operator'] !== '||')) return undefined;
  const right = node['right'] as AnyNode;
  return right.type === 'ArrayExpression' && (right['elements'] as unknown[]).length === 0 ? (node['left'] as AnyNode) : undefined;
}

/**
 * The split that gives the pieces of a `match` with the regular expression
 * literal `/ATOM+/g` (no `y`: a sticky match stops at the first unit that
 * does not match): the maximal runs of ATOM's units, cut at runs of the
 * others, empty pieces dropped.
 */
function runsMatched(arg: AnyNode): Pick<TokenPlan, 'text' | 'units' | 'runs'> | undefined {
  const regex = arg.type === 'Literal' ? (arg['regex'] as { pattern: string; flags: string } | undefined) : undefined;
  if (regex === undefined || !regex.flags.includes('g') || regex.flags.includes('y')) return undefined;
  const separator = unitSeparator(regex.pattern, regex.flags);
  if (separator?.units === undefined || !separator.runs) return undefined;
  return { text: undefined, units: separator.units.inverse(), runs: true };
}

/** `object.name(args)`, not optional, as its parts. */
function methodCall(node: AnyNode, name: string): { object: AnyNode; args: AnyNode[] } | undefined {
  if (node.type !== 'CallExpression' || node['optional']) return undefined;
  const callee = node['callee'] as AnyNode;
  if (callee.type !== 'MemberExpression' || callee['optional'] || memberName(callee) !== name) return undefined;
  const args = node['arguments'] as AnyNode[];
  if (args.some((a) => a.type === 'SpreadElement')) return undefined;
  return { object: callee['object'] as AnyNode, args };
}

function separatorOf(arg: AnyNode): Pick<TokenPlan, 'text' | 'units' | 'runs'> | undefined {
  if (arg.type !== 'Literal') return undefined;
  const value = arg['value'];
  if (typeof value === 'string') return value.length > 0 ? { text: value, units: undefined, runs: false } : undefined;
  const regex = arg['regex'] as { pattern: string; flags: string } | undefined;
  if (regex === undefined) return undefined;
  return unitSeparator(regex.pattern, regex.flags);
}

/** A pattern that is one atom matching exactly one code unit, with `+` or not; the flags may not change that (no `u`/`v`). */
export function unitSeparator(pattern: string, flags: string): Pick<TokenPlan, 'text' | 'units' | 'runs'> | undefined {
  if (!/^[gimsy]*$/.test(flags)) return undefined;
  const length = unitAtomLength(pattern);
  if (length === 0) return undefined;
  const rest = pattern.slice(length);
  if (rest !== '' && rest !== '+') return undefined;
  let one: RegExp;
  try {
    one = new RegExp(`^(?:${pattern.slice(0, length)})$`, flags.replace(/[gmy]/g, ''));
    new RegExp(pattern, flags);
  } catch {
    return undefined;
  }
  return { text: undefined, units: new UnitClass(one), runs: rest === '+' };
}

const CLASS_ESCAPES = 'sSwWdDtnrvf';
const SYNTAX = '^$\\.*+?()[]{}|/';

/** The length of the leading atom of a non-unicode pattern when it matches exactly one code unit; 0 otherwise. */
function unitAtomLength(p: string): number {
  const c = p[0];
  if (c === undefined) return 0;
  if (c === '[') {
    // Without `u`/`v` a class holds no nested class, and `]` closes it wherever it stands.
    for (let i = 1; i < p.length; i++) {
      if (p[i] === '\\') i++;
      else if (p[i] === ']') return i + 1;
    }
    return 0;
  }
  if (c === '.') return 1;
  if (c !== '\\') return SYNTAX.includes(c) || isSurrogate(c) ? 0 : 1;
  const e = p[1];
  if (e === undefined) return 0;
  if (CLASS_ESCAPES.includes(e) || SYNTAX.includes(e) || e === '-') return 2;
  if (e === '0') return /^[0-9]$/.test(p[2] ?? '') ? 0 : 2;
  if (e === 'x') return /^[0-9a-fA-F]{2}$/.test(p.slice(2, 4)) ? 4 : 0;
  if (e === 'u') return /^[0-9a-fA-F]{4}$/.test(p.slice(2, 6)) ? 6 : 0;
  if (e === 'c') return /^[a-zA-Z]$/.test(p[2] ?? '') ? 3 : 0;
  return 0;
}

function isSurrogate(c: string): boolean {
  const u = c.charCodeAt(0);
  return u >= 0xd800 && u <= 0xdfff;
}

/**
 * The length of the shortest strings a filter callback keeps, when it keeps
 * exactly the strings of at least that many code units (its argument is
 * always a string here): 1 for the non-empty ones; else undefined.
 */
function shortestKept(fn: AnyNode): number | undefined {
  if (fn.type === 'Identifier') return fn['name'] === 'Boolean' ? 1 : undefined;
  if (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression') return undefined;
  if (fn['async'] || fn['generator']) return undefined;
  const params = fn['params'] as AnyNode[];
  if (params.length !== 1 || params[0]!.type !== 'Identifier') return undefined;
  const w = params[0]!['name'] as string;
  // A parameter named Boolean would hide the function.
  if (w === 'Boolean') return undefined;
  let body = fn['body'] as AnyNode;
  if (body.type === 'BlockStatement') {
    const statements = body['body'] as AnyNode[];
    if (statements.length !== 1 || statements[0]!.type !== 'ReturnStatement' || statements[0]!['argument'] == null) return undefined;
    body = statements[0]!['argument'] as AnyNode;
  }
  return nonEmptyTest(body, w) ? 1 : lengthBound(body, w);
}

/** N for `w.length >= N`, `w.length > N - 1`, `N <= w.length`, `N - 1 < w.length` (whole number literals); else undefined. */
function lengthBound(e: AnyNode, w: string): number | undefined {
  if (e.type !== 'BinaryExpression') return undefined;
  const left = e['left'] as AnyNode;
  const right = e['right'] as AnyNode;
  const isLength = (n: AnyNode) => n.type === 'MemberExpression' && !n['optional'] && (n['object'] as AnyNode).type === 'Identifier' && (n['object'] as AnyNode)['name'] === w && memberName(n) === 'length';
  const whole = (n: AnyNode) => (n.type === 'Literal' && typeof n['value'] === 'number' && Number.isSafeInteger(n['value']) && (n['value'] as number) >= 0 ? (n['value'] as number) : undefined);
  const op = e['operator'] as string;
  let bound: number | undefined;
  if (isLength(left) && (bound = whole(right)) !== undefined) {
    if (op === '>=') return bound;
    if (op === '>') return bound + 1;
  } else if (isLength(right) && (bound = whole(left)) !== undefined) {
    if (op === '<=') return bound;
    if (op === '<') return bound + 1;
  }
  return undefined;
}

function nonEmptyTest(e: AnyNode, w: string): boolean {
  const isW = (n: AnyNode) => n.type === 'Identifier' && n['name'] === w;
  const isLength = (n: AnyNode) => n.type === 'MemberExpression' && !n['optional'] && isW(n['object'] as AnyNode) && memberName(n) === 'length';
  const isLiteral = (n: AnyNode, v: unknown) => n.type === 'Literal' && n['value'] === v && n['regex'] === undefined && typeof n['bigint'] !== 'string';
  if (isW(e) || isLength(e)) return true;
  if (e.type === 'UnaryExpression' && e['operator'] === '!') {
    const inner = e['argument'] as AnyNode;
    return inner.type === 'UnaryExpression' && inner['operator'] === '!' && (isW(inner['argument'] as AnyNode) || isLength(inner['argument'] as AnyNode));
  }
  if (e.type === 'CallExpression' && !e['optional']) {
    const callee = e['callee'] as AnyNode;
    const args = e['arguments'] as AnyNode[];
    return callee.type === 'Identifier' && callee['name'] === 'Boolean' && args.length === 1 && isW(args[0]!);
  }
  if (e.type !== 'BinaryExpression') return false;
  const op = e['operator'] as string;
  const left = e['left'] as AnyNode;
  const right = e['right'] as AnyNode;
  if (op === '!==' || op === '!=') {
    return (isW(left) && isLiteral(right, '')) || (isLiteral(left, '') && isW(right)) || (isLength(left) && isLiteral(right, 0)) || (isLiteral(left, 0) && isLength(right));
  }
  if (op === '>') return isLength(left) && isLiteral(right, 0);
  if (op === '<') return isLiteral(left, 0) && isLength(right);
  if (op === '>=') return isLength(left) && isLiteral(right, 1);
  if (op === '<=') return isLiteral(left, 1) && isLength(right);
  return false;
}
