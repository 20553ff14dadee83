/**
 * Node's built-in modules that only some commands use, loaded on first use.
 * An `import` of them would load them in every stage, whatever its command:
 * the bundle runs every module's top level at start-up (the commands are one
 * registry), and these cost about 10 ms of CPU together, paid by each stage of
 * a pipe (docs/ARCHITECTURE.md, start-up). Their types come from type-only
 * imports, which compile to nothing. Add a module here only when it is not
 * loaded anyway (net, tty, fs, stream and with it stream/promises are, by the standard streams).
 */
import { createRequire } from 'node:module';

interface LazyBuiltins {
  /** `sink exec`, the watch of a live source's stdout reader (reader-gone.ts), widening a busy stdin pipe (pipe-capacity.ts). */
  'node:child_process': typeof import('node:child_process');
  /** Stream tokens, checksums, file names. */
  'node:crypto': typeof import('node:crypto');
  /** The directory and follow sources. */
  'node:fs/promises': typeof import('node:fs/promises');
  /** Kafka's TLS without --tls-ca, when the launcher deferred NODE_EXTRA_CA_CERTS (extra-ca-certs.ts). */
  'node:tls': typeof import('node:tls');
  /** `--parallel`. */
  'node:worker_threads': typeof import('node:worker_threads');
}

const load = createRequire(import.meta.url);

/** A function that returns the built-in module `name`, requiring it the first time it is called. */
export function lazyBuiltin<K extends keyof LazyBuiltins>(name: K): () => LazyBuiltins[K] {
  let loaded: LazyBuiltins[K] | undefined;
  return () => (loaded ??= load(name) as LazyBuiltins[K]);
}
