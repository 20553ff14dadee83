/**
 * An operator whose state outlives a batch (windows, running totals). The stage
 * runner checkpoints it without knowing its internals: snapshot() must return a
 * JSON-serialisable value, and restore() must accept what snapshot() returned
 * (possibly by a previous process of the same version).
 */
export interface Stateful {
  snapshot(): unknown;
  restore(state: unknown): void;
}

export function isStateful(x: unknown): x is Stateful {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Partial<Stateful>).snapshot === 'function' &&
    typeof (x as Partial<Stateful>).restore === 'function'
  );
}
