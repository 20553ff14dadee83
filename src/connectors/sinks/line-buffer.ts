const FLUSH_AT = 256 * 1024;

/**
 * Collects records as NDJSON text and hands it to `write` in large pieces. The
 * exact input line is reused when the record is unchanged; a record that cannot
 * be serialised (nested too deeply for JSON.stringify) is reported, not thrown.
 */
export class LineBuffer {
  private text = '';
  recordsOut = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly onUnserialisable: (err: Error) => void,
  ) {}

  add(record: unknown, raw: string | undefined): void {
    let line = raw;
    if (line === undefined) {
      try {
        line = JSON.stringify(record);
      } catch (err) {
        this.onUnserialisable(err as Error);
        return;
      }
    }
    this.text += line + '\n';
    this.recordsOut++;
    if (this.text.length >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.text.length === 0) return;
    const text = this.text;
    this.text = '';
    this.write(text);
  }
}
