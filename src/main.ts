/**
 * What bin/sluice loads: the CLI, and the command specs that --parallel workers
 * import by name (src/engine/operators/parallel-worker.ts). bin/sluice loads it
 * as one bundled file (dist/bundle/sluice.js, see scripts/bundle.mjs): starting
 * a stage then reads one module instead of about 160.
 */
export { runProcess } from './cli.js';
export { reduceByKeyCommand } from './commands/reduce-by-key.js';
