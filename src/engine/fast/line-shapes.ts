import { stringOf, viewOf } from './byte-text.js';
import { LayoutTrial } from './layout-trial.js';
import { lineLayout, mergedLayout, type LayoutMember, type LearnedLayout } from './layout-merge.js';
import { membersPattern, type GroupCount, type MemberPattern } from './layout-pattern.js';

/**
 * Reads chosen top-level fields of NDJSON lines that share a layout, with one
 * regular expression per layout instead of a scan in JavaScript. Lines of one
 * stream nearly always have the same keys in the same order, so after a line
 * was read by the general scanner (flat-fields.ts), its key sequence becomes a
 * "shape": `^{"k1":V,"k2":V,...}$` with a capture group around the values of
 * the wanted fields. V accepts exactly JSON's values written without spaces:
 * strings (escapes included; a string with one is read by JSON.parse of its
 * text alone), numbers in JSON's grammar, true, false, null and (when
 * --max-depth allows two levels) objects and arrays of those. A shape learned
 * from a line written as Python's json.dumps writes it (`{"k1": V, "k2": V}`)
 * keeps its separators, and V then also accepts nested objects and arrays
 * written that way or without spaces (in a typed shape a captured one too: it
 * is given to JSON.parse, or read by its members' own layout). A line a shape matches is therefore valid JSON, each
 * wanted key occurs once, and each captured text is the value's JSON text;
 * any other line is left to the general scanner. Irregexp runs the match as
 * native code, several times faster than a character loop (docs/PERFORMANCE.md).
 */
// A string is its characters with JSON's escapes between them (the unrolled loop: quick when there are none).
const STRING_BODY = '[^"\\\\\\x00-\\x1f]*(?:\\\\(?:["\\\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\\\\x00-\\x1f]*)*';
const STRING = `"${STRING_BODY}"`;
const NUMBER = '-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
const SCALAR = `(?:${STRING}|${NUMBER}|true|false|null)`;
/** How deep a learned member's value may nest (levels of objects and arrays in it): a deeper pattern costs more to compile (about 5 ms for 2 levels, 30 for 3). */
const MAX_LEARNED_NESTING = 2;

/** Layouts kept at once (how many are learned: layout-trial.ts). */
const MAX_SHAPES = 4;

interface Shape {
  readonly re: RegExp;
  /** The same layout matched in place inside a block of lines (sticky, from lastIndex), ending at a LF or the block's end. */
  readonly within: RegExp;
  /** The capture group of each wanted field, 0 when the layout lacks it. */
  readonly group: Int32Array;
  /** Builds the record of the wanted fields present, from a match: an object literal, so every record has one hidden class. */
  readonly build: (m: RegExpExecArray) => Record<string, unknown>;
  /** The same from a match in a byte view (byte-text.ts) whose strings need decoding. */
  readonly buildDecoded: (m: RegExpExecArray) => Record<string, unknown>;
  /** How each wanted field's value is captured (typed layouts). */
  readonly kind: Uint8Array;
  /** What it was learned from, for merging (layout-merge.ts). */
  readonly layout: LearnedLayout<ShapeMember>;
}

/** A member of a learned shape. */
interface ShapeMember extends LayoutMember {
  /** The index of the wanted field, -1 for the others. */
  readonly f: number;
  /** How a wanted field's value is captured. */
  readonly kind: number;
  /** The value pattern of the member (written as its line writes nested values). */
  readonly value: string;
  /** A wanted object of scalars' own layout (typed shapes; see memberLayout). */
  readonly nested: NestedLayout | undefined;
}

type NestedLayout = { pattern: string; groups: number; build: (first: number) => string };

const sameMember = (known: ShapeMember, seen: ShapeMember): boolean =>
  known.before === seen.before && known.colon === seen.colon && known.f === seen.f && known.kind === seen.kind && known.value === seen.value && known.nested?.pattern === seen.nested?.pattern;

/** A captured value: any JSON value's text, a string's characters between its quotes, a number's text. */
const ANY = 0;
const STRING_CHARS = 1;
const NUMBER_TEXT = 2;

export class LineShapes {
  private shapes: Shape[] = [];
  private readonly value: string;
  private readonly maxDepth: number;
  /** The wanted fields as the lines learned spell them: in the byte view, or as they stand. */
  private readonly keys: readonly string[];
  /** Whether objects may be values (--max-depth 2 or more). */
  private readonly nested: boolean;
  /** The match of the last successful exec(), and the groups of its shape. */
  private m: RegExpExecArray | null = null;
  private group: Int32Array = new Int32Array(0);
  private kind: Uint8Array = new Uint8Array(0);
  private build: Shape['build'] = () => ({});
  /** A key as a record holds it, from its spelling in a learned line. */
  private readonly nameOf: (key: string) => string;

  /**
   * `typed`: a wanted field's layout also says whether its value is a string
   * or a number, as in the line it was learned from, so its record is built
   * without looking at the text again (a line with another type there takes
   * another layout). For stages that only want records (record()).
   * A typed layout also learns the members of a wanted field holding an
   * object of scalars (`"customer":{"id":1,"tier":"gold"}`): the record's
   * object is built from their captures, without JSON.parse of its text,
   * when the object has that layout, else it is parsed.
   * `byteView`: the lines learned and matched are byte views of UTF-8
   * (byte-text.ts), their keys compared with the fields' byte views.
   */
  constructor(
    private readonly fields: readonly string[],
    maxDepth: number,
    private readonly typed = false,
    byteView = false,
    /** Whether trying and learning layouts pays (a test may give one with another learning budget). */
    private readonly trial = new LayoutTrial(),
  ) {
    this.maxDepth = maxDepth;
    this.value = layoutValuePattern(maxDepth);
    this.keys = byteView ? fields.map(viewOf) : fields;
    this.nested = maxDepth >= 2;
    this.nameOf = byteView ? stringOf : (key) => key;
  }

  /** Whether the layouts rest (layout-trial.ts): the lines go to the general path, JSON.parse, untried. */
  get resting(): boolean {
    return this.trial.resting;
  }

  /** Lines the caller gave the general path untried while resting: they count toward the rest. */
  passedOver(lines: number): void {
    this.trial.passedOver(lines);
  }

  /** The offer of a read that starts at the stream's line `line` (PathTrial.offeredFrom). */
  offeredFrom(line: number): void {
    this.trial.offeredFrom(line);
  }

  offeredTo(line: number): void {
    this.trial.offeredTo(line);
  }

  /** Whether learn() may still learn a layout (a stream of ever-new layouts, or one that rests, does not). */
  get learning(): boolean {
    return this.trial.learning;
  }

  /** No layout learned yet. */
  get empty(): boolean {
    return this.shapes.length === 0;
  }

  /** Whether some learned shape matches the line; then raw() and value() read its fields. */
  exec(line: string): boolean {
    if (this.trial.skip()) return false;
    const shapes = this.shapes;
    for (let s = 0; s < shapes.length; s++) {
      const m = shapes[s]!.re.exec(line);
      if (m !== null) {
        this.matched(s, m);
        this.trial.tried(1, 0);
        return true;
      }
    }
    this.trial.tried(0, 1);
    return false;
  }


  /** After recordAt(): the end of the line it matched (its LF, or the end of the text). */
  end = 0;

  /**
   * The record of the wanted fields of the line that starts at `from` inside
   * `text`, a block of lines separated by LF, when the whole line has a
   * learned layout (its end is then in `end`), else undefined. No line is
   * sliced out of the block. The layouts' tokens never match a LF or a
   * control character, so the match cannot run into the next line, and each
   * value has one extent, so it agrees with exec() on the line alone. Per
   * line, nothing is kept: only the match and the record are made.
   * `decode`: the text is a byte view with bytes 0x80 and above (see
   * LineSink.takeText), so the record's strings are decoded.
   */
  recordAt(text: string, from: number, decode = false): Record<string, unknown> | undefined {
    if (this.trial.skip()) return undefined;
    const shapes = this.shapes;
    for (let s = 0; s < shapes.length; s++) {
      const shape = shapes[s]!;
      const re = shape.within;
      re.lastIndex = from;
      const m = re.exec(text);
      if (m === null) continue;
      this.end = re.lastIndex;
      if (s > 0) this.matched(s, m);
      this.trial.tried(1, 0);
      return decode ? shape.buildDecoded(m) : shape.build(m);
    }
    this.trial.tried(0, 1);
    return undefined;
  }

  /** Shape `s` matched: its captures are read from `m`, and the layout seen now goes first. */
  private matched(s: number, m: RegExpExecArray): void {
    const shapes = this.shapes;
    const shape = shapes[s]!;
    this.m = m;
    this.group = shape.group;
    this.kind = shape.kind;
    this.build = shape.build;
    if (s > 0) {
      shapes.splice(s, 1);
      shapes.unshift(shape);
    }
  }

  /** The JSON text of wanted field `f` in the last matched line, undefined when absent. */
  raw(f: number): string | undefined {
    const g = this.group[f]!;
    if (g === 0) return undefined;
    // An optional member the line lacks has no text.
    const text = this.m![g];
    if (text === undefined) return undefined;
    return this.kind[f] === STRING_CHARS ? `"${text}"` : text;
  }

  /** The wanted fields present in the last matched line, with their values as JSON.parse gives them. */
  record(): Record<string, unknown> {
    return this.build(this.m!);
  }

  /** The value of wanted field `f` in the last matched line, as JSON.parse gives it; undefined when absent. */
  valueOf(f: number): unknown {
    const text = this.raw(f);
    return text === undefined ? undefined : jsonValue(text);
  }

  /**
   * Learns the layout of a line the field scanner accepted (a valid object,
   * each wanted key at most once; or JSON.parse: learnParsed). A layout keeps the line's
   * separators, `,`/`:` or Python's `, `/`: ` (topLevelLayout); lines with
   * other white space between tokens would never match one, so they are not learned.
   */
  learn(line: string): void {
    if (!this.learning) return;
    const members = this.membersOf(line);
    if (members === undefined) return;
    const shapes = this.shapes;
    // A line with members others have not, or without some they have: one shape for both (layout-merge.ts).
    for (let s = 0; s < shapes.length; s++) {
      const merged = mergedLayout(shapes[s]!.layout, members, sameMember);
      if (merged === undefined) continue;
      shapes.splice(s, 1);
      shapes.unshift(this.compiled(merged));
      return;
    }
    shapes.unshift(this.compiled(lineLayout(members)));
    if (shapes.length > MAX_SHAPES) shapes.pop();
  }

  /** compile(), counted by the trial. */
  private compiled(layout: LearnedLayout<ShapeMember>): Shape {
    const shape = this.compile(layout);
    this.trial.learnt(shape.re.source.length);
    return shape;
  }

  /**
   * learn() for a line the field scanner refused (escapes in its strings,
   * say): once JSON.parse takes it as an object. A layout's strings may hold
   * escapes, which its records decode.
   */
  learnParsed(line: string): void {
    if (!this.learning) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) this.learn(line);
  }

  /** The members of a line for a shape: undefined when it has none (other white space, a wanted key twice). */
  private membersOf(line: string): ShapeMember[] | undefined {
    const layout = topLevelLayout(line);
    if (layout === undefined) return undefined;
    const { keys, valueAt, before, colon, nesting } = layout;
    const members: ShapeMember[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      // Nested values may be written as the line writes them; a captured one only
      // in a typed shape, which gives it to JSON.parse (or reads its members): an
      // untyped shape's reader compares its text (KeyedLines).
      const other = memberValuePattern(nesting[i]!, this.maxDepth, layout.spaced);
      const captured = this.typed ? other : memberValuePattern(nesting[i]!, this.maxDepth, false);
      const f = this.keys.indexOf(key);
      // A wanted key twice: JSON.parse keeps the last, which no shape says.
      if (f >= 0 && members.some((m) => m.f === f)) return undefined;
      let kind = ANY;
      let nested: NestedLayout | undefined;
      if (f >= 0 && this.typed) {
        const c = line.charCodeAt(valueAt[i]!);
        kind = c === 34 ? STRING_CHARS : c === 45 || (c >= 48 && c <= 57) ? NUMBER_TEXT : ANY;
        if (this.nested && c === 123) nested = memberLayout(line, valueAt[i]!, this.nameOf, layout.spaced);
      }
      members.push({ key, before: before[i]!, colon: colon[i]!, optional: false, anyOrder: false, f, kind, value: f >= 0 ? captured : other, nested });
    }
    return members;
  }

  /** The shape of this layout. */
  private compile(layout: LearnedLayout<ShapeMember>): Shape {
    const members = layout.members;
    const group = new Int32Array(this.fields.length);
    const kind = new Uint8Array(this.fields.length);
    /** How the builder reads each wanted field from the match `m` (see recordBuilder). */
    const reads: (string | undefined)[] = [];
    const optional: boolean[] = [];
    const groups: GroupCount = { count: 0 };
    const pattern = (i: number): MemberPattern => {
      const m = members[i]!;
      const name = `${escapeRegExp(m.before)}"${escapeRegExp(m.key)}"${m.colon}`;
      const f = m.f;
      if (f < 0) return { name, value: m.value, captured: undefined };
      const g = (group[f] = ++groups.count);
      kind[f] = m.kind;
      optional[f] = m.optional;
      let value: string;
      let captured: string;
      if (m.nested !== undefined) {
        // The object's own layout first; any other object (or value) is parsed.
        value = m.value;
        captured = `(${m.nested.pattern}|${m.value})`;
        reads[f] = `(m[${g + 1}] !== undefined ? ${m.nested.build(g + 1)} : v(m[${g}]))`;
        groups.count += m.nested.groups;
      } else {
        value = m.kind === STRING_CHARS ? `"${STRING_BODY}"` : m.kind === NUMBER_TEXT ? NUMBER : m.value;
        captured = m.kind === STRING_CHARS ? `"(${STRING_BODY})"` : `(${value})`;
        reads[f] = `${m.kind === STRING_CHARS ? 's' : m.kind === NUMBER_TEXT ? 'n' : 'v'}(m[${g}])`;
      }
      if (m.optional) reads[f] = `(m[${g}] === undefined ? ABSENT : ${reads[f]})`;
      return { name, value, captured };
    };
    // The first member's `before` is the line's `{`.
    const source = (members.length === 0 ? '\\{' : membersPattern(members, 0, members.length, pattern, groups)!) + '\\}';
    return {
      re: new RegExp(`^${source}$`),
      within: new RegExp(`${source}(?![^\\n])`, 'y'),
      group,
      kind,
      build: recordBuilder(this.fields, reads, optional, VALUES),
      buildDecoded: recordBuilder(this.fields, reads, optional, DECODED_VALUES),
      layout,
    };
  }
}

/**
 * The pattern of one JSON value written without spaces, nested objects and
 * arrays of scalars only when --max-depth allows two levels; `spaced`: their
 * members may also have one space after each `:` and `,` (Python's
 * json.dumps).
 */
export function layoutValuePattern(maxDepth: number, spaced = false): string {
  return nestedValuePattern(maxDepth < 2 ? 0 : 1, spaced);
}

/**
 * The pattern of a member's value whose text in the line learned nests
 * `nesting` levels of objects and arrays (0 for a scalar): at least
 * layoutValuePattern's, deeper up to that nesting as far as --max-depth and
 * MAX_LEARNED_NESTING allow (an array of objects, `"items":[{"sku":"a"}]`).
 */
export function memberValuePattern(nesting: number, maxDepth: number, spaced: boolean): string {
  const least = maxDepth < 2 ? 0 : 1;
  return nestedValuePattern(Math.max(least, Math.min(nesting, maxDepth - 1, MAX_LEARNED_NESTING)), spaced);
}

const valuePatterns = new Map<string, string>();

/** A JSON value with objects and arrays `levels` deep at most; spaced: a space after each `:` and `,` in them, or none (a value a sluice stage added, such as the window, is written without). */
function nestedValuePattern(levels: number, spaced: boolean): string {
  if (levels === 0) return SCALAR;
  const id = `${levels}${spaced}`;
  let pattern = valuePatterns.get(id);
  if (pattern === undefined) {
    const inner = nestedValuePattern(levels - 1, spaced);
    const [colon, comma] = spaced ? [': ?', ', ?'] : [':', ','];
    pattern = `(?:${SCALAR}|\\{(?:${STRING}${colon}${inner}(?:${comma}${STRING}${colon}${inner})*)?\\}|\\[(?:${inner}(?:${comma}${inner})*)?\\])`;
    valuePatterns.set(id, pattern);
  }
  return pattern;
}

/** How a record builder reads each kind of captured text: any JSON value, a string's characters, a number. */
interface ValueReaders {
  v: (text: string) => unknown;
  s: (text: string) => string;
  n: (text: string) => number;
}

const VALUES: ValueReaders = { v: jsonValue, s: stringChars, n: numberOf };
/** The same for text in a byte view: strings decoded (a number's text is ASCII). */
const DECODED_VALUES: ValueReaders = { v: (text) => jsonValue(stringOf(text)), s: (text) => stringChars(stringOf(text)), n: numberOf };

/**
 * `(m) => ({"f1": READ1, ...})` for the fields a shape has, READ being how
 * learn() reads each (names are never __proto__: see FlatProjector). With
 * optional fields, the record is built member by member, in the same order,
 * an optional one only when the line has it (its READ gives ABSENT).
 */
function recordBuilder(fields: readonly string[], reads: readonly (string | undefined)[], optional: readonly boolean[], read: ValueReaders): Shape['build'] {
  const present = fields.flatMap((name, f) => (reads[f] === undefined ? [] : [{ name: JSON.stringify(name), read: reads[f]!, optional: optional[f] === true }]));
  const body = present.some((p) => p.optional)
    ? `return (m) => { const r = {}; let x; ${present.map((p) => (p.optional ? `if ((x = ${p.read}) !== ABSENT) r[${p.name}] = x;` : `r[${p.name}] = ${p.read};`)).join(' ')} return r; };`
    : `return (m) => ({${present.map((p) => `${p.name}: ${p.read}`).join(', ')}});`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', 's', 'n', 'ABSENT', body)(read.v, read.s, read.n, ABSENT) as Shape['build'];
}

/** What an optional field's read gives when the line lacks it. */
const ABSENT = Symbol('absent');

/**
 * The layout of the object of scalars starting at `from` in a learned line
 * (no spaces, no escapes): a pattern matching exactly the objects with those
 * keys in that order and values of the same types (strings, numbers,
 * literals), one capture group per member, and the object literal that
 * builds the object from them (groups from `first` on), as JSON.parse would.
 * Undefined for anything else: an empty object, a nested object or array, a
 * key twice or `__proto__` (which a literal would not make an own property).
 */
function memberLayout(line: string, from: number, nameOf: (key: string) => string, spaced: boolean): NestedLayout | undefined {
  // Written as Python writes it: a space after each : and ,.
  const gap = spaced ? ' ' : '';
  const names: string[] = [];
  const reads: string[] = [];
  let pattern = '\\{';
  let i = from + 1;
  for (;;) {
    if (line.charCodeAt(i) !== 34) return undefined;
    const close = line.indexOf('"', i + 1);
    if (close < 0 || line.charCodeAt(close + 1) !== 58 /* : */ || !line.startsWith(gap, close + 2)) return undefined;
    const key = line.slice(i + 1, close);
    const name = nameOf(key);
    // eslint-disable-next-line no-control-regex
    if (names.includes(name) || name === '__proto__' || /[\x00-\x1f]/.test(key)) return undefined;
    names.push(name);
    pattern += `${names.length > 1 ? `,${gap}` : ''}"${escapeRegExp(key)}":${gap}`;
    i = close + 2 + gap.length;
    const c = line.charCodeAt(i);
    let end: number;
    if (c === 34) {
      end = stringEnd(line, i + 1) + 1;
      pattern += `"(${STRING_BODY})"`;
      reads.push('s');
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      end = i + 1;
      while (end < line.length && NUMBER_CHAR.test(line[end]!)) end++;
      pattern += `(${NUMBER})`;
      reads.push('n');
    } else {
      const literal = LITERAL.exec(line.slice(i, i + 5));
      end = literal === null ? -1 : i + literal[0].length;
      pattern += '(true|false|null)';
      reads.push('v');
    }
    if (end <= 0) return undefined;
    const sep = line.charCodeAt(end);
    if (sep === 125 /* } */) break;
    if (sep !== 44 /* , */ || !line.startsWith(gap, end + 1)) return undefined;
    i = end + 1 + gap.length;
  }
  pattern += '\\}';
  const build = (first: number) => `{${names.map((name, k) => `${JSON.stringify(name)}: ${reads[k]}(m[${first + k}])`).join(', ')}}`;
  return { pattern, groups: names.length, build };
}

const NUMBER_CHAR = /[0-9.eE+-]/;
const LITERAL = /^(?:true|false|null)/;

/**
 * The value of a JSON number's text, as Number() gives it. An integer of at
 * most 15 digits is summed from its digits (exact below 2^53), which skips
 * V8's string-to-number conversion (it hashes the string first, to look for
 * a cached array index): a measurable part of a filter's time per line.
 */
export function numberOf(text: string): number {
  const n = text.length;
  if (n > 15) return Number(text);
  const i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i === n) return Number(text);
  let v = 0;
  for (let k = i; k < n; k++) {
    const d = text.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return Number(text);
    v = v * 10 + d;
  }
  return i === 1 ? -v : v;
}

/** A JSON string's value from the characters between its quotes. */
function stringChars(text: string): string {
  return text.indexOf('\\') < 0 ? text : (JSON.parse(`"${text}"`) as string);
}

/** The value of a JSON text that a shape captured: a string without escapes, a number, a literal, or a small object or array. */
export function jsonValue(text: string): unknown {
  const c = text.charCodeAt(0);
  if (c === 34 /* " */) return text.indexOf('\\', 1) < 0 ? text.slice(1, -1) : JSON.parse(text);
  if (c === 116 /* t */) return true;
  if (c === 102 /* f */) return false;
  if (c === 110 /* n */) return null;
  if (c === 123 || c === 91) return JSON.parse(text);
  return Number(text);
}

/**
 * The layout of a one-line JSON object without escapes in its keys: its keys in order,
 * where each one's value starts, and what is written before each key (`{`,
 * `,` or `, `) and after it (`:` or `: `). The one white space allowed is a
 * single space after a `:` or `,` (Python's json.dumps writes one after
 * each); `spaced` says whether there is any. Undefined for any other line (it
 * would never match a layout).
 */
export interface TopLevelLayout {
  keys: string[];
  valueAt: number[];
  /** Before key i: `{`, `,` or `, `. */
  before: string[];
  /** After key i's closing quote: `:` or `: `. */
  colon: string[];
  /** How many levels of objects and arrays key i's value nests (0: a scalar). */
  nesting: number[];
  spaced: boolean;
}

export function topLevelLayout(line: string): TopLevelLayout | undefined {
  if (line.charCodeAt(0) !== 123) return undefined;
  const keys: string[] = [];
  const valueAt: number[] = [];
  const before: string[] = [];
  const colon: string[] = [];
  const nesting: number[] = [];
  let spaced = false;
  let depth = 0;
  let expectKey = true;
  let sep = '{';
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) {
      const close = stringEnd(line, i + 1);
      if (close < 0) return undefined;
      if (depth === 1 && expectKey) {
        const key = line.slice(i + 1, close);
        // A key is compared by its text: one written with an escape could be any name.
        if (key.includes('\\')) return undefined;
        keys.push(key);
        before.push(sep);
        const space = line.charCodeAt(close + 2) === 32 ? 1 : 0;
        colon.push(space ? ': ' : ':');
        valueAt.push(close + 2 + space);
        nesting.push(0);
      }
      expectKey = false;
      i = close;
    } else if (c === 123 || c === 91) {
      depth++;
      expectKey = c === 123 && depth === 1;
      if (depth > 1 && depth - 1 > nesting[nesting.length - 1]!) nesting[nesting.length - 1] = depth - 1;
    } else if (c === 125 || c === 93) depth--;
    else if (c === 44) {
      expectKey = depth === 1;
      sep = ',';
    } else if (c === 32) {
      // One space, after a `:` or `,` only.
      const prev = line.charCodeAt(i - 1);
      if ((prev !== 58 && prev !== 44) || line.charCodeAt(i + 1) === 32) return undefined;
      if (prev === 44 && depth === 1) sep = ', ';
      spaced = true;
    } else if (c === 9 || c === 10 || c === 13 || c === 92) return undefined;
  }
  return { keys, valueAt, before, colon, nesting, spaced };
}

/** The offset of the quote that closes the string whose text starts at line[i] (escapes skipped), or -1. */
export function stringEnd(line: string, i: number): number {
  for (;;) {
    const quote = line.indexOf('"', i);
    const escape = line.indexOf('\\', i);
    if (escape < 0 || quote < escape) return quote;
    i = escape + 2;
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
