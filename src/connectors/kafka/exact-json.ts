// Whether JSON.parse keeps a (valid) JSON text exactly: every number is the
// double it is written as (12345678901234567890 and 1e400 are not), and no
// object repeats a key (JSON.parse keeps the last one). --with-meta adds the
// payload text as `valueText` when this is false.

/** Leading digits and decimal exponent of a number's value, without sign, leading or trailing zeros. */
function significand(token: string): string {
  const lower = token.toLowerCase();
  const e = lower.indexOf('e');
  const mantissa = (e < 0 ? lower : lower.slice(0, e)).replace('-', '');
  let exponent = e < 0 ? 0 : Number(lower.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const whole = dot < 0 ? mantissa : mantissa.slice(0, dot);
  let digits = whole + (dot < 0 ? '' : mantissa.slice(dot + 1));
  exponent += whole.length;
  const leading = /^0*/.exec(digits)![0].length;
  digits = digits.slice(leading).replace(/0+$/, '');
  exponent -= leading;
  return digits === '' ? '0' : `${digits}e${exponent}`;
}

export function exactNumber(token: string): boolean {
  const n = Number(token);
  if (!Number.isFinite(n)) return false;
  if (Number.isSafeInteger(n) && /^-?\d+$/.test(token)) return true;
  return significand(token) === significand(String(n));
}

const NUMBER_CHAR = /[-+.eE0-9]/;

/** `text` must be valid JSON (JSON.parse accepted it). */
export function parsesExactly(text: string): boolean {
  // One entry per open container: the keys seen (objects) or null (arrays), and whether a key comes next.
  const keys: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = keys[keys.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) return false;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      keys.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      keys.push(null);
    } else if (c === '}' || c === ']') {
      keys.pop();
    } else if (c === ',') {
      expectKey = keys[keys.length - 1] !== null;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < text.length && NUMBER_CHAR.test(text[j]!)) j++;
      if (!exactNumber(text.slice(i, j))) return false;
      i = j - 1;
    }
  }
  return true;
}
