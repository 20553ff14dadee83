import { isAscii, isUtf8 } from 'node:buffer';
import type { TakenLines } from '../framing.js';
import { byteText, stringOf, ViewDecoder, viewOf } from './byte-text.js';
import { numberEnd } from './flat-fields.js';
import { escapeRegExp, layoutValuePattern, memberValuePattern, topLevelLayout } from './line-shapes.js';
import { LayoutTrial } from './layout-trial.js';
import { lineLayout, mergedLayout, type LayoutMember, type LearnedLayout } from './layout-merge.js';
import { membersPattern, type GroupCount, type MemberPattern } from './layout-pattern.js';

/**
 * The learned layouts of NDJSON lines, for checking lines in place inside a
 * whole block of them (a read's text), without a string per line, and for
 * finding one field's string or number text (the window stage's time). A
 * layout is one key order, as in line-shapes.ts. Without a field, one sticky
 * regular expression checks a line from its `{` to its `}` and the end of the
 * line. With one, the members before the field are checked by one (or a
 * literal prefix when the field comes first), the field's value must be a
 * string or a number (one layout takes both: a stream's times may be either),
 * and the members after it up to the end of the line by another. Each value
 * pattern accepts exactly a JSON value written without spaces, so a line a
 * layout matches is a valid JSON object with the field once (the field's
 * string aside: see match()), without the keys the caller must not find
 * (the window stage's `window` and `late`, whose presence changes what it writes),
 * and with each captured field at most once.
 *
 * Without a field, a captured last member (the `window` the window stage
 * appends to each line) is checked apart, as its own tail (see matchTail).
 *
 * Lines are read in the byte view of a valid UTF-8 read (byte-text.ts): a
 * character offset is a byte offset, so a consumer copies a line or a run of
 * them straight from the read's bytes, whatever characters it holds. Layouts
 * are learned and matched in that view (key names too); what is taken out
 * for its value (raw(), textOf()) is decoded.
 */
interface Layout {
  /** `{"field":` when the field is the first member. */
  readonly prefix: string | undefined;
  readonly before: RegExp | undefined;
  /** From just after the field's value (or from the line's start, without a field) to the end of the line. */
  readonly after: RegExp;
  /** With captured fields: the capture group of each (in `before` or `after`, see `part`), 0 when the layout lacks it. */
  readonly group: Int32Array | undefined;
  /** With captured fields: where each one's group is (BEFORE, AFTER, or FIELD: the field's own string). */
  readonly part: Uint8Array | undefined;
  /** Whether `before`/`after` capture (then they are run with exec, else with test). */
  readonly beforeCaptures: boolean;
  readonly afterCaptures: boolean;
  /** Without a field: whether `after` stops after the last member's name, its value being a captured tail (matchTail). */
  readonly tail: boolean;
  /** What it was learned from, for merging (layout-merge.ts). */
  readonly learned: LearnedLayout<BlockMember>;
}

/** A tail text seen before (decoded), and the sticky literal that checks it (in the byte view). */
interface KnownTail {
  readonly text: string;
  readonly re: RegExp;
}

const BEFORE = 1;
const AFTER = 2;
const FIELD = 3;
const TAIL = 4;

/** Layouts kept at once (how many are learned: layout-trial.ts). */
const MAX_LAYOUTS = 4;
/** Lines of unknown layouts learnt within one read before the rest of it goes the ordinary way. */
const RELEARNS_PER_READ = 4;
/** Tail texts kept at once (the windows open at the same time, a sliding window's too), and literals compiled beyond the first few per line matched by one. */
const MAX_TAILS = 8;
const FREE_TAIL_LITERALS = 16;
const LINES_PER_TAIL_LITERAL = 256;

export class BlockLayouts {
  private layouts: Layout[] = [];
  private readonly value: string;
  private readonly maxDepth: number;
  /**
   * After match(): the field's value is [fieldFrom, fieldTo): a string's
   * characters inside its quotes, not yet checked (see match()), or, when
   * fieldIsNumber, a number's text in JSON's grammar.
   */
  fieldFrom = 0;
  fieldTo = 0;
  fieldIsNumber = false;
  /** After match(): the index just past the line's closing brace (its LF, or the end of the text). */
  lineEnd = 0;
  /** During scan(): the read's byte view (each line ends with a LF): text[i] is the read's byte i. */
  text = '';
  /** Whether the read is ASCII: its view is then its decoded text. */
  private ascii = true;
  /** Decodes captured values (raw()). */
  private readonly decoder = new ViewDecoder();
  /** After match() with captured fields: the matches and its layout's groups (see raw()). */
  private m: RegExpExecArray | null = null;
  private mBefore: RegExpExecArray | null = null;
  private group: Int32Array | undefined;
  private part: Uint8Array | undefined;
  private matchedText = '';
  /** The general tail: a captured last member's value, then the line's end. */
  private tailRe: RegExp | undefined;
  private readonly tails: KnownTail[] = [];
  /** The known tail the last line matched, where the next line's search starts. */
  private lastTail = 0;
  private tailLiterals = 0;
  private tailHits = 0;
  /** After a match with a tail: its text, the very string of a known tail when it was one. */
  private tailText = '';
  /** The field, the forbidden keys and the captured fields as they read in the byte view. */
  private readonly field: string | undefined;
  private readonly forbidden: readonly string[];
  private readonly capture: readonly string[] | undefined;

  /**
   * `capture`: top-level fields whose JSON text raw() gives after a match; a
   * layout with one of them twice is not learned (JSON.parse keeps the last,
   * which no layout says). With `field`, capturing `field` itself gives its
   * string's text as match() delimited it: valid JSON only once the caller
   * has checked its characters.
   */
  constructor(
    field: string | undefined,
    forbidden: readonly string[],
    maxDepth: number,
    capture?: readonly string[],
    /** Whether trying and learning layouts pays (a test may give one with another learning budget). */
    private readonly trial = new LayoutTrial(),
  ) {
    this.field = field === undefined ? undefined : viewOf(field);
    this.forbidden = forbidden.map(viewOf);
    this.capture = capture?.map(viewOf);
    this.value = layoutValuePattern(maxDepth);
    this.maxDepth = maxDepth;
  }

  /** The JSON text of captured field `f` (its index in `capture`) in the last matched line, undefined when absent. */
  raw(f: number): string | undefined {
    const g = this.group![f]!;
    if (g === 0) return undefined;
    const part = this.part![f];
    if (part === TAIL) return this.tailText;
    const view = part === AFTER ? this.m![g] : part === BEFORE ? this.mBefore![g] : this.fieldText();
    // An optional member the line lacks has no text.
    if (view === undefined) return undefined;
    return this.ascii ? view : this.decoder.stringOf(view);
  }

  /** The field's JSON text in the last matched line (captured fields). */
  private fieldText(): string {
    const value = this.matchedText.slice(this.fieldFrom, this.fieldTo);
    return this.fieldIsNumber ? value : `"${value}"`;
  }

  /** During scan(): the string that text[from, to) stands for. */
  textOf(from: number, to: number): string {
    const view = this.text.slice(from, to);
    return this.ascii ? view : stringOf(view);
  }

  /**
   * The lines of bytes[from, end) (the last one ends at `end`: its LF is
   * there or was in an earlier read) that have a learned layout, are not
   * shaped like a control record and are within maxLineBytes, decoded once
   * (this.text, this.ascii) and handed to `take` in place: [p, eol) is the
   * line in this.text (the byte view: [from + p, from + eol) in `bytes`),
   * match()'s fields are set. Stops at the first other
   * line (learning its layout, when it has one) or the first that `take`
   * declines; `done(p)` is then called with where it stopped. The rest of the
   * read takes the ordinary path, so its diagnostics and positions are those
   * of the general path. The one scan of the stages that take whole reads
   * (LineSink.takeLineBytes).
   */
  scan(bytes: Buffer, from: number, end: number, maxLineBytes: number, take: (p: number, eol: number) => boolean, done?: (p: number) => void, line?: number): TakenLines {
    // `line`, the stream's line at `from`, lets lines never offered count toward a rest (PathTrial.offeredFrom).
    if (line === undefined) return this.scanRead(bytes, from, end, maxLineBytes, take, done);
    this.trial.offeredFrom(line);
    const taken = this.scanRead(bytes, from, end, maxLineBytes, take, done);
    this.trial.offeredTo(line + taken.lines + (taken.to <= end ? 1 : 0));
    return taken;
  }

  private scanRead(bytes: Buffer, from: number, end: number, maxLineBytes: number, take: (p: number, eol: number) => boolean, done?: (p: number) => void): TakenLines {
    if (this.trial.skip()) return { to: from, lines: 0 };
    const first = this.firstLine(bytes, from, end);
    if (first === 'unknown') {
      this.trial.tried(0, 1);
      return { to: from, lines: 0 };
    }
    const withLf = end < bytes.length && bytes[end] === 10;
    const block = bytes.subarray(from, withLf ? end + 1 : end);
    // Invalid UTF-8 takes the general path, which replaces or refuses it.
    const ascii = isAscii(block);
    if (!ascii && !isUtf8(block)) return { to: from, lines: 0 };
    const view = byteText(block, 0, block.length);
    const text = withLf ? view : view + '\n';
    this.text = text;
    this.ascii = ascii;
    const n = text.length;
    let p = 0;
    let lines = 0;
    let misses = first === 'learnt' ? 1 : 0;
    while (p < n) {
      if (text.charCodeAt(p + 2) === 95 /* _ */) break;
      if (!this.match(text, p)) {
        // A line of a layout not seen yet: learnt, it is read here with the rest of
        // the read, which would otherwise go line by line (and teach the line
        // reader the same layouts: tens of ms at the start of a stream of a few shapes).
        misses++;
        if (misses > RELEARNS_PER_READ || !this.trial.learning) break;
        this.learn(text.slice(p, text.indexOf('\n', p)));
        if (!this.match(text, p)) break;
      }
      const eol = this.lineEnd;
      if (eol - p > maxLineBytes) break;
      if (!take(p, eol)) break;
      lines++;
      p = eol + 1;
    }
    done?.(p);
    this.trial.tried(lines, misses);
    this.text = '';
    this.m = null;
    this.mBefore = null;
    this.matchedText = '';
    if (p >= n) return { to: end + 1, lines };
    return { to: from + p, lines };
  }

  /**
   * Whether the line that starts at `p` in `text` and ends at the next LF
   * (or the end of the text) has a learned layout. The field's string is only
   * delimited here (up to the next quote): the caller must check its
   * characters, e.g. read it as an ISO-8601 time, and decline the line for
   * anything else (a backslash would make the quote found an escaped one).
   * A number is checked here, in JSON's grammar (fieldIsNumber).
   */
  match(text: string, p: number): boolean {
    const layouts = this.layouts;
    for (let i = 0; i < layouts.length; i++) {
      const l = layouts[i]!;
      if (this.field === undefined) {
        l.after.lastIndex = p;
        if (l.afterCaptures) {
          const m = l.after.exec(text);
          if (m === null) continue;
          this.m = m;
        } else if (!l.after.test(text)) continue;
        if (l.tail) {
          const end = this.matchTail(text, l.after.lastIndex);
          if (end < 0) continue;
          this.lineEnd = end;
        } else this.lineEnd = l.after.lastIndex;
        if (l.group !== undefined) {
          this.group = l.group;
          this.part = l.part;
        }
        this.promote(i);
        return true;
      }
      let q: number;
      if (l.prefix !== undefined) {
        if (!text.startsWith(l.prefix, p)) continue;
        q = p + l.prefix.length;
      } else {
        const before = l.before!;
        before.lastIndex = p;
        if (l.beforeCaptures) {
          const m = before.exec(text);
          if (m === null) continue;
          this.mBefore = m;
        } else if (!before.test(text)) continue;
        q = before.lastIndex;
      }
      let close: number;
      const isNumber = text.charCodeAt(q) !== 34; /* " */
      if (isNumber) {
        close = numberEnd(text, q);
        if (close < 0) continue;
        l.after.lastIndex = close;
      } else {
        close = text.indexOf('"', ++q);
        if (close < 0) continue;
        l.after.lastIndex = close + 1;
      }
      if (l.afterCaptures) {
        const m = l.after.exec(text);
        if (m === null) continue;
        this.m = m;
      } else if (!l.after.test(text)) continue;
      if (l.group !== undefined) {
        this.group = l.group;
        this.part = l.part;
        this.matchedText = text;
      }
      this.fieldFrom = q;
      this.fieldTo = close;
      this.fieldIsNumber = isNumber;
      this.lineEnd = l.after.lastIndex;
      this.promote(i);
      return true;
    }
    return false;
  }


  /**
   * Whether the first line of bytes[from, end) has a learned layout, or has
   * one once learned from: viewed alone, so a stream whose lines take the
   * ordinary path costs a line's view per read, not the read's.
   */
  private firstLine(bytes: Buffer, from: number, end: number): 'known' | 'learnt' | 'unknown' {
    const lf = bytes.indexOf(10, from);
    const first = byteText(bytes, from, lf < 0 || lf > end ? end : lf);
    if (this.match(first, 0)) return 'known';
    if (!this.trial.learning) return 'unknown';
    this.learn(first);
    return this.match(first, 0) ? 'learnt' : 'unknown';
  }

  /**
   * Checks a captured last member's value from `q` and the end of the line,
   * sets tailText, and gives where the line's closing brace ends (-1: no
   * match). Its text is usually one of the last few lines' (the window of a
   * run of lines): a sticky literal of a text seen before checks it as the
   * general pattern would (it matched that pattern), without its structure,
   * and tailText is then the same string each time, which its reader compares
   * by identity. Literals are compiled for at most one line in
   * LINES_PER_TAIL_LITERAL that they serve, so ever-new texts cost no compilation.
   */
  private matchTail(text: string, q: number): number {
    const tails = this.tails;
    const n = tails.length;
    for (let j = 0, i = this.lastTail; j < n; j++, i = i + 1 === n ? 0 : i + 1) {
      const re = tails[i]!.re;
      re.lastIndex = q;
      if (re.test(text)) {
        this.lastTail = i;
        this.tailHits++;
        this.tailText = tails[i]!.text;
        return re.lastIndex;
      }
    }
    const general = (this.tailRe ??= new RegExp(`(${this.value})${LINE_END}`, 'y'));
    general.lastIndex = q;
    const m = general.exec(text);
    if (m === null) return -1;
    this.tailText = this.ascii ? m[1]! : this.decoder.stringOf(m[1]!);
    if (this.tailLiterals < FREE_TAIL_LITERALS + this.tailHits / LINES_PER_TAIL_LITERAL) {
      this.tailLiterals++;
      // A copy: a slice of the read would keep the whole read alive. The literal is the view's, the text the decoded one.
      const own = JSON.parse(JSON.stringify(m[1]!)) as string;
      const known = { text: stringOf(own), re: new RegExp(escapeRegExp(own) + LINE_END, 'y') };
      if (n < MAX_TAILS) tails.push(known);
      else tails[this.lastTail === 0 ? n - 1 : this.lastTail - 1] = known;
      this.lastTail = tails.indexOf(known);
      this.tailText = known.text;
    }
    return general.lastIndex;
  }

  /** The layout seen now goes first. */
  private promote(i: number): void {
    if (i === 0) return;
    const l = this.layouts[i]!;
    this.layouts.splice(i, 1);
    this.layouts.unshift(l);
  }

  /**
   * Learns the layout of `line` (a whole line, in the byte view) when it has
   * the field once, none of the forbidden keys, and matches its own layout.
   * A line that differs from a known layout only by members one has and the
   * other lacks is merged into it (layout-merge.ts), but for its last member
   * when that is a captured tail.
   */
  learn(line: string): void {
    if (!this.trial.learning) return;
    const shape = topLevelLayout(line);
    if (shape === undefined) return;
    const { keys, before, colon, nesting } = shape;
    if (keys.some((k) => this.forbidden.includes(k) || CONTROL.test(k))) return;
    if (this.field !== undefined && (keys.indexOf(this.field) < 0 || keys.indexOf(this.field) !== keys.lastIndexOf(this.field))) return;
    // Values not captured may be written as the line's are, as deep as its are; captured ones only without spaces (their text is read).
    const members: BlockMember[] = keys.map((key, i) => ({ key, before: before[i]!, colon: colon[i]!, optional: false, anyOrder: false, value: memberValuePattern(nesting[i]!, this.maxDepth, shape.spaced) }));
    const kept = this.layouts;
    for (let i = 0; i < kept.length; i++) {
      const merged = this.merged(kept[i]!.learned, members);
      if (merged === undefined) continue;
      const layout = this.compiled(merged);
      if (layout === undefined || !this.ownLayout(layout, line)) return;
      kept.splice(i, 1);
      kept.unshift(layout);
      return;
    }
    const layout = this.compiled(lineLayout(members));
    if (layout === undefined || !this.ownLayout(layout, line)) return;
    kept.unshift(layout);
    if (kept.length > MAX_LAYOUTS) kept.pop();
  }

  /** compile(), counted by the trial. */
  private compiled(learned: LearnedLayout<BlockMember>): Layout | undefined {
    const layout = this.compile(learned);
    if (layout !== undefined) this.trial.learnt((layout.before?.source.length ?? 0) + layout.after.source.length);
    return layout;
  }

  /** Whether the layout matches the whole line it was learned from. */
  private ownLayout(layout: Layout, line: string): boolean {
    const kept = this.layouts;
    this.layouts = [layout];
    const own = this.match(line, 0) && this.lineEnd === line.length;
    this.layouts = kept;
    return own;
  }

  /** The layout known with seen merged into it, a captured tail kept last (see learn()). */
  private merged(known: LearnedLayout<BlockMember>, seen: readonly BlockMember[]): LearnedLayout<BlockMember> | undefined {
    const members = known.members;
    if (!this.tailOf(members) && !this.tailOf(seen)) return mergedLayout(known, seen, sameMember);
    const last = members[members.length - 1]!;
    const seenLast = seen[seen.length - 1]!;
    if (last.key !== seenLast.key || !sameMember(last, seenLast)) return undefined;
    const merged = mergedLayout({ members: members.slice(0, -1), orders: known.orders }, seen.slice(0, -1), sameMember);
    return merged === undefined ? undefined : { members: [...merged.members, last], orders: merged.orders };
  }

  /** Whether the members end with a captured tail: without a field, a captured last member (see matchTail). */
  private tailOf(members: readonly BlockMember[]): boolean {
    return this.field === undefined && this.capture !== undefined && members.length > 0 && this.capture.includes(members[members.length - 1]!.key);
  }

  /** The regular expressions of this layout; undefined for a captured key seen twice. */
  private compile(learned: LearnedLayout<BlockMember>): Layout | undefined {
    const members = learned.members;
    const keys = members.map((m) => m.key);
    /** Member i's separator before it (none for the first) and its name, as the line writes them. */
    const member = (i: number) => `${i > 0 ? escapeRegExp(members[i]!.before) : ''}"${escapeRegExp(keys[i]!)}"${members[i]!.colon}`;
    const end = LINE_END;
    const capture = this.capture;
    const group = capture === undefined ? undefined : new Int32Array(capture.length);
    const part = capture === undefined ? undefined : new Uint8Array(capture.length);
    /** The groups of each regular expression (BEFORE, AFTER). */
    const groups: GroupCount[] = [{ count: 0 }, { count: 0 }, { count: 0 }];
    /** The pattern of the members [from, to), in the regular expression `where`; undefined for a captured key seen twice. */
    const patterns = (from: number, to: number, where: number): string | undefined =>
      membersPattern(
        members,
        from,
        to,
        (i): MemberPattern | undefined => {
          const f = capture === undefined ? -1 : capture.indexOf(keys[i]!);
          if (f < 0) return { name: member(i), value: members[i]!.value, captured: undefined };
          if (group![f] !== 0) return undefined;
          group![f] = ++groups[where]!.count;
          part![f] = where;
          return { name: member(i), value: this.value, captured: `(${this.value})` };
        },
        groups[where]!,
      );
    const captures = (where: number) => part !== undefined && part.includes(where);
    if (this.field === undefined) {
      const last = keys.length - 1;
      const tailAt = this.tailOf(members) ? capture!.indexOf(keys[last]!) : -1;
      let values = patterns(0, tailAt < 0 ? keys.length : last, AFTER);
      if (values === undefined) return undefined;
      if (tailAt >= 0) {
        if (group![tailAt] !== 0) return undefined;
        group![tailAt] = 1;
        part![tailAt] = TAIL;
        values += member(last);
      }
      const after = new RegExp('\\{' + values + (tailAt < 0 ? end : ''), 'y');
      return { prefix: undefined, before: undefined, after, group, part, beforeCaptures: false, afterCaptures: captures(AFTER), tail: tailAt >= 0, learned };
    }
    const at = keys.indexOf(this.field);
    const head = patterns(0, at, BEFORE);
    const tail = patterns(at + 1, keys.length, AFTER);
    if (head === undefined || tail === undefined) return undefined;
    const own = capture === undefined ? -1 : capture.indexOf(this.field);
    if (own >= 0) {
      group![own] = 1;
      part![own] = FIELD;
    }
    return {
      prefix: at === 0 ? `{${JSON.stringify(this.field)}${members[0]!.colon}` : undefined,
      before: at === 0 ? undefined : new RegExp('\\{' + head + member(at), 'y'),
      after: new RegExp(tail + end, 'y'),
      group,
      part,
      beforeCaptures: captures(BEFORE),
      afterCaptures: captures(AFTER),
      tail: false,
      learned,
    };
  }
}

/** A top-level member of a learned layout, with its value pattern when not captured (written as its line writes nested values). */
interface BlockMember extends LayoutMember {
  readonly value: string;
}

const sameMember = (known: BlockMember, seen: BlockMember): boolean => known.before === seen.before && known.colon === seen.colon && known.value === seen.value;

/** A line's closing brace, then its end. */
const LINE_END = '\\}(?=\\n|$)';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f]/;
