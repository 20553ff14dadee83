// Bundles the compiled CLI (dist/src) into dist/bundle/: sluice.js for
// bin/sluice and parallel-worker.js for --parallel workers. Loading ~160 ES
// modules one by one took about 60 ms of every stage's start-up; one file
// takes a few (docs/PERFORMANCE.md). Run by `npm run build` after tsc.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: { sluice: 'dist/src/main.js', 'parallel-worker': 'dist/src/engine/operators/parallel-worker.js' },
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Bundled CommonJS packages call require(): give the ES module output one.
  banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
