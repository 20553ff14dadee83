import { compilePath, isRecordObject } from './codec.js';
import { compileExpression } from './expression.js';

/** How reduce-by-key finds a record's key: field paths, an expression, or one global group. */
export interface KeySpec {
  fields: string[];
  expr?: string;
}

export interface KeyExtractor {
  /** Output field names of the key columns. */
  readonly names: string[];
  /**
   * Returns the key's values, or a string describing why the record has no key
   * (the record is then bad under --on-error).
   */
  values(record: unknown): unknown[] | string;
}

export function buildKeyExtractor(spec: KeySpec, command: string): KeyExtractor {
  if (spec.expr !== undefined) {
    const fn = compileExpression<(r: unknown) => unknown>(spec.expr, ['r'], `${command} --key-expr`);
    return {
      names: ['key'],
      values(record) {
        try {
          const v = fn(record);
          return [v === undefined ? null : v];
        } catch (err) {
          return `--key-expr '${spec.expr}' threw: ${(err as Error)?.message ?? String(err)}`;
        }
      },
    };
  }
  const getters = spec.fields.map(compilePath);
  if (getters.length === 1) return singleFieldKey(spec.fields[0]!, getters[0]!);
  return {
    names: spec.fields,
    values(record) {
      if (getters.length === 0) return [];
      if (!isRecordObject(record)) return `record is ${JSON.stringify(record)}, not an object; cannot read key field '${spec.fields[0]}'`;
      return getters.map((g) => {
        const v = g(record);
        return v === undefined ? null : v;
      });
    },
  };
}

/**
 * A Map key for key values: distinct for distinct JSON values ("1" vs 1), cheap
 * for the common single string key. `__proto__` and friends are plain strings here.
 */
export function groupId(values: unknown[]): string {
  if (values.length === 1) {
    const v = values[0];
    if (typeof v === 'string' && (v.length === 0 || v.charCodeAt(0) !== 0)) return v;
    return '\u0000' + JSON.stringify(v);
  }
  return '\u0000' + JSON.stringify(values);
}

/** The common single-field key without a per-record closure call through map(). */
function singleFieldKey(field: string, get: (r: unknown) => unknown): KeyExtractor {
  return {
    names: [field],
    values(record) {
      if (!isRecordObject(record)) return `record is ${JSON.stringify(record)}, not an object; cannot read key field '${field}'`;
      const v = get(record);
      return [v === undefined ? null : v];
    },
  };
}
