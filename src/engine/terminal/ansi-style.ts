/**
 * Bold, dim and colour for terminal output, written exactly as chalk 5 wrote
 * them at level 1 (16 colours) when sluice used it: loading chalk (its
 * terminal detection loads node:tty) cost about 2 ms of every stage's start-up,
 * for two styles of the console sink. A differential test compares the two
 * (test/ui/ansi-style.test.ts).
 */
export interface Sgr {
  readonly open: number;
  readonly close: number;
}

export const bold: Sgr = { open: 1, close: 22 };
export const dim: Sgr = { open: 2, close: 22 };
export const cyan: Sgr = { open: 36, close: 39 };

const sgr = (n: number) => `\x1b[${n}m`;

/**
 * A function that wraps text in `styles` (outermost first). Where the text
 * already closes one of them (styled pieces inside), the style is opened again
 * right after; each line break is preceded by the closing codes and followed by
 * the opening ones, so every line carries its own style. Empty text stays empty.
 */
export function ansiStyle(...styles: Sgr[]): (text: string) => string {
  const open = styles.map((s) => sgr(s.open)).join('');
  const close = styles.map((s) => sgr(s.close)).reverse().join('');
  const innermostFirst = [...styles].reverse();
  return (text) => {
    if (text === '') return text;
    let styled = text;
    if (styled.includes('\x1b')) for (const s of innermostFirst) styled = styled.split(sgr(s.close)).join(sgr(s.close) + sgr(s.open));
    if (styled.includes('\n')) styled = styled.replace(/\r?\n/g, (lineBreak) => close + lineBreak + open);
    return open + styled + close;
  };
}
