/** Splits one CSV line (RFC 4180 quoting within a line) into fields. */
export function splitCsvLine(line: string, delimiter = ','): string[] | string {
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

/** Turns CSV lines of one input into records, the first line naming the fields. */
export class CsvRecords {
  private header: string[] | undefined;

  /** Returns a record, undefined for the header line, or an error message. */
  line(text: string): Record<string, string> | undefined | string {
    const fields = splitCsvLine(text);
    if (typeof fields === 'string') return `CSV: ${fields}`;
    if (!this.header) {
      this.header = fields;
      return undefined;
    }
    if (fields.length !== this.header.length) {
      return `CSV: ${fields.length} fields where the header has ${this.header.length}`;
    }
    const record: Record<string, string> = Object.create(null);
    this.header.forEach((name, i) => (record[name] = fields[i]!));
    return record;
  }
}
