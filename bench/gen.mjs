#!/usr/bin/env node
// Generates the bench inputs into bench/data (deterministic: same seed, same bytes).
//   corpus.txt   10M words, ten per line, Zipf-distributed over a 50k-word vocabulary
//   words.ndjson 2M records {"word":"w3f"}, Zipf-distributed
//   keys.ndjson  1M records {"key":"k...","n":i}, every key distinct
// Usage: node bench/gen.mjs [--scale F]   (F < 1 makes smaller files, for tests)
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scaleArg = process.argv.indexOf('--scale');
const scale = scaleArg === -1 ? 1 : Number(process.argv[scaleArg + 1]);
const dataDir = process.env.SLUICE_BENCH_DATA ?? join(here, 'data');
mkdirSync(dataDir, { recursive: true });

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s. */
function zipf(n, s, random) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s);
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const VOCABULARY = 50_000;
const vocab = Array.from({ length: VOCABULARY }, (_, i) => 'w' + i.toString(36));

function writeFile(name, lines, lineAt) {
  const path = join(dataDir, name);
  if (existsSync(path) && process.env.SLUICE_BENCH_REGEN !== '1') return;
  const tmp = path + '.tmp';
  const fd = openSync(tmp, 'w');
  let buf = '';
  for (let i = 0; i < lines; i++) {
    buf += lineAt(i) + '\n';
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
  renameSync(tmp, path);
  process.stderr.write(`bench: wrote ${path}\n`);
}

const wordAt = zipf(VOCABULARY, 1.0, prng(1));
writeFile('corpus.txt', Math.round(1_000_000 * scale), () => {
  let line = vocab[wordAt()];
  for (let w = 1; w < 10; w++) line += ' ' + vocab[wordAt()];
  return line;
});

const recordWordAt = zipf(VOCABULARY, 1.0, prng(2));
writeFile('words.ndjson', Math.round(2_000_000 * scale), () => `{"word":"${vocab[recordWordAt()]}"}`);

const distinct = Math.round(1_000_000 * scale);
const shuffle = prng(3);
const order = Array.from({ length: distinct }, (_, i) => i);
for (let i = distinct - 1; i > 0; i--) {
  const j = Math.floor(shuffle() * (i + 1));
  [order[i], order[j]] = [order[j], order[i]];
}
writeFile('keys.ndjson', distinct, (i) => `{"key":"k${order[i].toString(36).padStart(5, '0')}","n":${i}}`);
