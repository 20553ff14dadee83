#!/usr/bin/env node
// Generates the bench inputs into bench/data (deterministic: same seed, same bytes).
//   corpus.txt   10M words, ten per line, Zipf-distributed over a 50k-word vocabulary
//   words.ndjson 2M records {"word":"w3f"}, Zipf-distributed
//   keys.ndjson  1M records {"key":"k...","n":i}, every key distinct
//   logs.ndjson  1M access-log records of about 200 bytes: ts (ISO, slightly out of
//                order), user, path, status, bytes, ua (issue 12)
//   prose.txt    300k lines of mixed-case words with uneven spacing (3M words)
//   orders.ndjson 1M shop orders of about 210 bytes, a shape unlike the logs: a nested
//                customer object, a tags array, prices with decimals, times with a
//                +01:00 or Z offset, non-ASCII and escaped quotes in 1 note in 6
//   events.ndjson 1M application events as Python's json.dumps writes them (a space
//                after each : and ,), with optional members (ms on 3 in 5, err on
//                errors, ref on 1 in 4) and times as logs write them
//                (2026-11-20 10:00:00.152, no zone: UTC)
//   width-100.ndjson, width-1k.ndjson, width-10k.ndjson: log records padded to
//                about that many bytes, about 20 MB each (the record-width curve)
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

// Realistic access-log records (issue 12): the shapes users have, not the bench's.
const logRandom = prng(4);
const userAt = zipf(10_000, 1.1, logRandom);
const pathAt = zipf(2_000, 1.0, logRandom);
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 304, 304, 301, 404, 404, 403, 500, 503];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'curl/8.4.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'python-requests/2.31.0',
];
const LOG_T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

function logRecord(i, pad = 0, withAgent = true) {
  // About 1.5 ms apart, up to 2 s out of order: a watermark of 5 s drops nothing.
  const ts = new Date(LOG_T0 + Math.floor(i * 1.5 - logRandom() * 2000)).toISOString();
  const p = pathAt();
  const path = p % 3 === 0 ? `/p/${p}/items?page=${p % 7}` : `/p/${p}`;
  const bytes = Math.floor(Math.exp(logRandom() * 11));
  const status = STATUSES[Math.floor(logRandom() * STATUSES.length)];
  const ua = AGENTS[Math.floor(logRandom() * AGENTS.length)];
  const extra = pad > 0 ? `,"note":"${'x'.repeat(pad)}"` : '';
  return `{"ts":"${ts}","user":"user${userAt()}","path":"${path}","status":${status},"bytes":${bytes}${withAgent ? `,"ua":"${ua}"` : ''}${extra}}`;
}

writeFile('logs.ndjson', Math.round(1_000_000 * scale), (i) => logRecord(i));

// Orders: the other shapes the fast paths must not fall off (nested values,
// non-ASCII text, escapes, time offsets); reported beside the log jobs.
const orderRandom = prng(7);
const skuAt = zipf(3_000, 1.0, orderRandom);
const TIERS = ['gold', 'silver', 'bronze', 'none'];
const REGIONS = ['eu-west', 'us-east', 'ap-south', 'sa-east'];
const TAGS = ['promo', 'new', 'clearance', 'bundle', 'b2b'];
const NOTES = ['', '', '', 'leave at door', 'call before', 'fast delivery', 'für Oma', 'gift wrap ✓', 'rush — please', 'said \\"ring twice\\"', 'Kraków depot', 'same as last time'];
const ORDER_T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
writeFile('orders.ndjson', Math.round(1_000_000 * scale), (i) => {
  const t = ORDER_T0 + Math.floor(i * 1.5 - orderRandom() * 2000);
  // Every other record in Central European Time: the same instant, written with its offset.
  const ts = i % 2 === 0 ? new Date(t).toISOString() : new Date(t + 3_600_000).toISOString().replace('Z', '+01:00');
  const tags = TAGS.filter(() => orderRandom() < 0.25);
  const price = (Math.floor(orderRandom() * 20_000) / 100).toFixed(2).replace(/\.?0+$/, '');
  const customer = `{"id":${1 + Math.floor(orderRandom() * 50_000)},"tier":"${TIERS[Math.floor(orderRandom() * TIERS.length)]}"}`;
  const sku = `SKU-${String(skuAt()).padStart(4, '0')}`;
  const qty = 1 + Math.floor(orderRandom() * 9);
  const region = REGIONS[Math.floor(orderRandom() * REGIONS.length)];
  const note = NOTES[Math.floor(orderRandom() * NOTES.length)];
  return `{"time":"${ts}","order":"o-${String(i).padStart(7, '0')}","customer":${customer},"sku":"${sku}","qty":${qty},"price":${price},"region":"${region}","tags":${JSON.stringify(tags)},"note":"${note}"}`;
});

// Events: as producers other than JavaScript write NDJSON (Python's separators,
// members that come and go, times without the T and the zone); reported beside the log jobs.
const eventRandom = prng(8);
const serviceAt = zipf(20, 1.0, eventRandom);
const eventUserAt = zipf(20_000, 1.1, eventRandom);
const LEVELS = ['info', 'info', 'info', 'info', 'info', 'info', 'warn', 'warn', 'error'];
const ERRORS = ['timeout', 'refused', 'bad gateway', 'quota exceeded'];
const MESSAGES = ['request served', 'cache miss', 'retrying upstream', 'user signed in', 'payment accepted', 'Zahlung bestätigt', 'slow query'];
writeFile('events.ndjson', Math.round(1_000_000 * scale), (i) => {
  const time = new Date(ORDER_T0 + Math.floor(i * 1.5 - eventRandom() * 2000)).toISOString().replace('T', ' ').replace('Z', '');
  const level = LEVELS[Math.floor(eventRandom() * LEVELS.length)];
  let line = `{"time": "${time}", "service": "svc-${serviceAt()}", "level": "${level}", "user": "u${eventUserAt()}"`;
  if (eventRandom() < 0.6) line += `, "ms": ${Math.floor(Math.exp(eventRandom() * 7))}`;
  if (level === 'error') line += `, "err": "${ERRORS[Math.floor(eventRandom() * ERRORS.length)]}"`;
  if (eventRandom() < 0.25) line += `, "ref": "https://shop.example/p/${Math.floor(eventRandom() * 5000)}"`;
  return `${line}, "msg": "${MESSAGES[Math.floor(eventRandom() * MESSAGES.length)]}"}`;
});

const proseWordAt = zipf(VOCABULARY, 1.0, prng(5));
const proseRandom = prng(6);
const SPACES = [' ', ' ', ' ', ' ', ' ', '  ', '\t', ' \t '];
writeFile('prose.txt', Math.round(300_000 * scale), () => {
  let line = '';
  for (let w = 0; w < 10; w++) {
    const word = vocab[proseWordAt()];
    const cased = proseRandom() < 0.2 ? word.toUpperCase() : proseRandom() < 0.3 ? word[0].toUpperCase() + word.slice(1) : word;
    line += (w === 0 ? '' : SPACES[Math.floor(proseRandom() * SPACES.length)]) + cased;
  }
  return line;
});

// The width curve: the same records with a "note" field, about 20 MB per file.
for (const [name, width] of [['width-100.ndjson', 100], ['width-1k.ndjson', 1000], ['width-10k.ndjson', 10_000]]) {
  const lineAt = width <= 100 ? (i) => logRecord(i, 0, false) : (i) => logRecord(i, width - 210);
  writeFile(name, Math.round((20_000_000 / width) * scale), lineAt);
}
