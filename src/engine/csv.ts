/** Splits one CSV line (RFC 4180 quoting within a line) into fields; `quoted[i]` tells whether field i was quoted. */
export function splitCsvLine(line: string, delimiter = ',', quoted: boolean[] = []): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return 'unterminated quoted field';
        value += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      quoted[fields.length] = true;
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== delimiter) return `unexpected character after quoted field at column ${i + 1}`;
      i++;
    } else {
      const d = line.indexOf(delimiter, i);
      if (d === -1) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, d));
      i = d + 1;
    }
  }
}

const NUMBER = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A CSV field as a number when it is written as one and reads back the same:
 * JSON's number syntax (so no leading zeros as in 007, no +, no bare .5), and
 * either a whole number within +-(2^53 - 1) or at most 15 significant digits,
 * which a double holds exactly. Anything else stays a string, so no digit of an
 * identifier such as 12345678901234567890 or 007 is ever lost (Miller infers
 * numbers from data the same way, and also keeps 007 as written).
 */
export function inferNumber(field: string): number | undefined {
  const m = NUMBER.exec(field);
  if (!m) return undefined;
  const n = Number(field);
  if (!Number.isFinite(n)) return undefined;
  if (m[1] === undefined && m[2] === undefined) return Number.isSafeInteger(n) ? n : undefined;
  const digits = field.replace(/[eE].*$/, '').replace(/[-.]/g, '').replace(/^0+/, '');
  return digits.length <= 15 ? n : undefined;
}

/** Turns CSV lines of one input into records, the first line naming the fields. */
export class CsvRecords {
  private header: string[] | undefined;

  /** With `inferNumbers`, unquoted fields written as numbers become numbers (see inferNumber); quoted fields stay strings. */
  constructor(private readonly inferNumbers = true) {}

  /** Returns a record, undefined for the header line, or an error message. */
  line(text: string): Record<string, string | number> | undefined | string {
    const quoted: boolean[] = [];
    const fields = splitCsvLine(text, ',', quoted);
    if (typeof fields === 'string') return `CSV: ${fields}`;
    if (!this.header) {
      this.header = fields;
      return undefined;
    }
    if (fields.length !== this.header.length) {
      return `CSV: ${fields.length} fields where the header has ${this.header.length}`;
    }
    const record: Record<string, string | number> = Object.create(null);
    this.header.forEach((name, i) => {
      const field = fields[i]!;
      record[name] = this.inferNumbers && !quoted[i] ? (inferNumber(field) ?? field) : field;
    });
    return record;
  }
}
