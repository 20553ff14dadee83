import { compilePath } from '../../engine/codec.js';

/** The key's string form: strings as they are, other values as JSON; no key for missing or null. */
export function keyText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What `sink kafka` sends for a record: the record's JSON (its line when it has one) and the `--key` field's text. */
export class OutgoingMessages {
  private readonly key: ((r: unknown) => unknown) | undefined;

  constructor(
    keyField: string | undefined,
    private readonly onUnserialisable: (err: Error) => void,
  ) {
    this.key = keyField === undefined ? undefined : compilePath(keyField);
  }

  /** The message, or undefined when the record cannot be written as JSON (reported to `onUnserialisable`). */
  of(record: unknown, raw: string | undefined): { key: string | null; value: string } | undefined {
    let value = raw;
    if (value === undefined) {
      try {
        value = JSON.stringify(record === undefined ? null : record);
      } catch (err) {
        this.onUnserialisable(err as Error);
        return undefined;
      }
    }
    const key = this.key && record !== null && typeof record === 'object' ? keyText(this.key(record)) : null;
    return { key, value };
  }
}
