// Bundles the compiled CLI (dist/src) into dist/bundle/: sluice.cjs for
// bin/sluice and parallel-worker.js for --parallel workers. Loading ~160 ES
// modules one by one took about 60 ms of every stage's start-up; one file
// takes a few (docs/PERFORMANCE.md). The CLI's bundle is a CommonJS function
// body so that bin/load-bundle.cjs can compile it with a V8 code cache
// (vm.Script cachedData; Node 20 caches no ES module's compilation). Run by
// `npm run build` after tsc; it then runs the CLI once so the cache exists.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = 'dist/bundle';

// Without whitespace and comments the CLI's bundle is 30% smaller, which saved 2-3 ms of every stage's start-up (reading it, and compiling what the
// code cache lacks); names stay as they are, and lines are kept short so that a stack trace's source line stays readable.
const common = { absWorkingDir: root, outdir, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning', minifyWhitespace: true, lineLimit: 200 };

// Caches of an earlier build (bin/load-bundle.cjs names them after the bundle's size and time), and the ES module bundle of before.
try {
  for (const name of readdirSync(`${root}${outdir}`)) if (name.endsWith('.cache') || name.endsWith('.tmp') || name === 'sluice.js') rmSync(`${root}${outdir}/${name}`);
} catch {
  /* no earlier build */
}

await build({
  ...common,
  entryPoints: { sluice: 'dist/src/main.js' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // The sources' import.meta.url (package.json, the worker, kafkajs' require) is the bundle's own URL.
  define: { 'import.meta.url': '__sluiceBundleUrl' },
  banner: { js: "var __sluiceBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// kafkajs in one file for the Kafka connectors, loaded with its own code cache (src/connectors/kafka/kafkajs-library.ts).
// Its replaced modules take their exports from the table the entry exports; `?original` is kafkajs's own file.
const { REPLACED_MODULES, USED_MODULES } = await import(`${root}dist/src/connectors/kafka/kafkajs-library.js`);
const kafkajsRequire = createRequire(`${root}package.json`);
const replaced = new Map(REPLACED_MODULES.map((id) => [kafkajsRequire.resolve(id), id]));
const kafkajsEntry = [
  "const replacements = require('sluice-kafkajs-replacements');",
  `const modules = {${USED_MODULES.map((id) => `${JSON.stringify(id)}: () => require(${JSON.stringify(id)})`).join(', ')}};`,
  "module.exports = { replacements, module: (id) => modules[id](), main: () => require('kafkajs') };",
].join('\n');
await build({
  ...common,
  entryPoints: { kafkajs: 'sluice-kafkajs-entry' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  plugins: [
    {
      name: 'sluice-kafkajs',
      setup(b) {
        b.onResolve({ filter: /^sluice-kafkajs-(entry|replacements)$/ }, (a) => ({ path: a.path, namespace: 'sluice' }));
        b.onLoad({ filter: /^sluice-kafkajs-entry$/, namespace: 'sluice' }, () => ({ contents: kafkajsEntry, resolveDir: root, loader: 'js' }));
        b.onLoad({ filter: /^sluice-kafkajs-replacements$/, namespace: 'sluice' }, () => ({ contents: 'module.exports = new Map();', loader: 'js' }));
        b.onResolve({ filter: /\?original$/ }, (a) => ({ path: a.path.slice(0, -'?original'.length), namespace: 'kafkajs-original' }));
        b.onLoad({ filter: /.*/, namespace: 'kafkajs-original' }, (a) => ({ contents: readFileSync(a.path, 'utf8'), resolveDir: dirname(a.path), loader: 'js' }));
        b.onLoad({ filter: /kafkajs[\\/]src[\\/].*\.js$/ }, (a) => {
          const id = replaced.get(a.path);
          if (id === undefined) return undefined;
          const original = JSON.stringify(`${a.path}?original`);
          return {
            contents: `const make = require('sluice-kafkajs-replacements').get(${JSON.stringify(id)}); const original = () => require(${original}); module.exports = make ? make(original) : original();`,
            resolveDir: dirname(a.path),
            loader: 'js',
          };
        });
      },
    },
  ],
});

// Bundled yargs looks its messages' translations up in ../locales from the bundle (y18n, by LANG/LC_ALL).
const yargsRoot = dirname(createRequire(`${root}package.json`).resolve('yargs/package.json'));
cpSync(join(yargsRoot, 'locales'), `${root}dist/locales`, { recursive: true });

await build({
  ...common,
  entryPoints: { 'parallel-worker': 'dist/src/engine/operators/parallel-worker.js' },
  format: 'esm',
  // Bundled CommonJS packages call require(): give the ES module output one.
  banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
});

// One run makes the code cache, with the functions a stage compiles (a failure here only costs the cache).
spawnSync(process.execPath, [`${root}bin/sluice`, 'filter', 'r.a > 0'], { input: '{"a":1}\n{"a":0}\n', stdio: ['pipe', 'ignore', 'inherit'] });
