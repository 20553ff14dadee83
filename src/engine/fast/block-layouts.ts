import { escapeRegExp, layoutValuePattern, topLevelKeys } from './line-shapes.js';

/**
 * The learned layouts of NDJSON lines, for checking lines in place inside a
 * whole block of them (a read's text), without a string per line, and for
 * finding one string field's text (the window stage's time). A layout is one
 * key order, as in line-shapes.ts. Without a field, one sticky regular
 * expression checks a line from its `{` to its `}` and the end of the line.
 * With one, the members before the field are checked by one (or a literal
 * prefix when the field comes first), the field's value must be a string,
 * and the members after it up to the end of the line by another. Each value
 * pattern accepts exactly a JSON value written without spaces, so a line a
 * layout matches is a valid JSON object with the field once (the field's
 * string aside: see match()), without the keys the caller must not find
 * (the window stage's `window` and `late`, whose presence changes what it writes).
 */
interface Layout {
  /** `{"field":"` when the field is the first member. */
  readonly prefix: string | undefined;
  readonly before: RegExp | undefined;
  /** From just after the field's string (or from the line's start, without a field) to the end of the line. */
  readonly after: RegExp;
}

/** Layouts kept at once, and how many may be learned in all (a stream of ever-new layouts stops learning). */
const MAX_LAYOUTS = 4;
const MAX_LEARNED = 64;

export class BlockLayouts {
  private layouts: Layout[] = [];
  private learned = 0;
  private readonly value: string;
  /** After match(): the field's string is [fieldFrom, fieldTo) (inside its quotes), not yet checked (see match()). */
  fieldFrom = 0;
  fieldTo = 0;
  /** After match(): the index just past the line's closing brace (its LF, or the end of the text). */
  lineEnd = 0;

  constructor(
    private readonly field: string | undefined,
    private readonly forbidden: readonly string[],
    maxDepth: number,
  ) {
    this.value = layoutValuePattern(maxDepth);
  }

  /**
   * Whether the line that starts at `p` in `text` and ends at the next LF
   * (or the end of the text) has a learned layout. The field's string is only
   * delimited here (up to the next quote): the caller must check its
   * characters, e.g. read it as an ISO-8601 time, and decline the line for
   * anything else (a backslash would make the quote found an escaped one).
   */
  match(text: string, p: number): boolean {
    const layouts = this.layouts;
    for (let i = 0; i < layouts.length; i++) {
      const l = layouts[i]!;
      if (this.field === undefined) {
        l.after.lastIndex = p;
        if (!l.after.test(text)) continue;
        this.lineEnd = l.after.lastIndex;
        this.promote(i);
        return true;
      }
      let q: number;
      if (l.prefix !== undefined) {
        if (!text.startsWith(l.prefix, p)) continue;
        q = p + l.prefix.length;
      } else {
        l.before!.lastIndex = p;
        if (!l.before!.test(text)) continue;
        q = l.before!.lastIndex;
      }
      const close = text.indexOf('"', q);
      if (close < 0) continue;
      l.after.lastIndex = close + 1;
      if (!l.after.test(text)) continue;
      this.fieldFrom = q;
      this.fieldTo = close;
      this.lineEnd = l.after.lastIndex;
      this.promote(i);
      return true;
    }
    return false;
  }

  /** The layout seen now goes first. */
  private promote(i: number): void {
    if (i === 0) return;
    const l = this.layouts[i]!;
    this.layouts.splice(i, 1);
    this.layouts.unshift(l);
  }

  /** Learns the layout of `line` (a whole line) when it has the field once, none of the forbidden keys, and matches its own layout. */
  learn(line: string): void {
    if (this.learned >= MAX_LEARNED) return;
    const keys = topLevelKeys(line);
    if (keys === undefined) return;
    if (keys.some((k) => this.forbidden.includes(k) || CONTROL.test(k))) return;
    const member = (k: string) => `"${escapeRegExp(k)}":`;
    const end = '\\}(?=\\n|$)';
    let layout: Layout;
    if (this.field === undefined) {
      layout = { prefix: undefined, before: undefined, after: new RegExp('\\{' + keys.map((k) => member(k) + this.value).join(',') + end, 'y') };
    } else {
      const at = keys.indexOf(this.field);
      if (at < 0 || keys.indexOf(this.field, at + 1) >= 0) return;
      const head = '\\{' + keys.slice(0, at).map((k) => member(k) + this.value + ',').join('') + member(this.field) + '"';
      const tail = keys.slice(at + 1).map((k) => ',' + member(k) + this.value).join('') + end;
      layout = {
        prefix: at === 0 ? `{${JSON.stringify(this.field)}:"` : undefined,
        before: at === 0 ? undefined : new RegExp(head, 'y'),
        after: new RegExp(tail, 'y'),
      };
    }
    this.learned++;
    const kept = this.layouts;
    this.layouts = [layout];
    const own = this.match(line, 0) && this.lineEnd === line.length;
    this.layouts = kept;
    if (!own) return;
    kept.unshift(layout);
    if (kept.length > MAX_LAYOUTS) kept.pop();
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f]/;
