// Random pipelines and data for the differential test: each case is the argv of
// every sluice stage plus the same pipeline as the reference model sees it.
import { rng } from '../window/events.js';
import type { AggKind, AggSpec, Mode, SourceSpec, StageSpec } from '../model/model.js';

/**
 * Features left out of the generator because a known defect, being fixed on
 * another branch, makes them fail. Turn one off (delete it) when its fix is on
 * main; a case that then fails is a finding.
 */
export const KNOWN_DEFECTS: Record<string, string> = {};
/** SLUICE_DIFF_ENABLE=feature,feature turns features on despite KNOWN_DEFECTS (to check a fix before removing its switch). */
const forced = new Set((process.env['SLUICE_DIFF_ENABLE'] ?? '').split(',').filter(Boolean));
const enabled = (feature: string) => KNOWN_DEFECTS[feature] === undefined || forced.has(feature);
// Fixed on main and turned on: controlShapedData (issue 11.1, data lines starting {"__sluice": are data),
// batchModeEndOfInputRows (11.4, rows made at end of input), whitespaceTextLines (11.16, such text lines are records),
// runPipeValues (11.14, run hands stages what a pipe would), reduceParallel (rows of reduce-by-key --parallel
// at end of input, 11.4; `sluice run` with window + reduce-by-key --parallel lost rows: control records overtaken, seeds 669762600, 669762574).

export interface Stage {
  /** The stage's words after `sluice`, e.g. ['map', '({...r, m: 1})']. */
  argv: string[];
  model: StageSpec | undefined;
}

export interface Case {
  seed: number;
  /** The input file's name and text. */
  file: { name: string; text: string };
  source: SourceSpec;
  /** source, transforms..., sink. The source's and the sink's model is undefined. */
  stages: Stage[];
  /** Re-chunk the byte stream (random write sizes, pauses) after these stage indexes. */
  rechunkAfter: number[];
  /** Whether the model defines the order of the output (else compared as multisets). */
  ordered: boolean;
  /** Whether the output rows carry a wall-clock `window` (reduce without a window stage), which is left out. */
  wallClockWindow: boolean;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number) => r() < p;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const T0 = Date.parse('2026-01-01T00:00:00Z');
const KEYS: unknown[] = ['a', 'b', 'c', '__proto__', 'constructor', 'ü', '日本', '😀', 1, '1', null, true];
const STRINGS = ['x', '', 'ünïcödé', '日本語', '😀 emoji', 'quote " and \\ backslash', 'line\u2028sep', 'tab\there', '{"__sluice":{"v":1,"type":"eos"}}', '<\u0007bel>', 'hasOwnProperty'];

/** JavaScript expressions (their text is the stage argument and, compiled, the model's function). */
const MAPS_JSON = [
  '({...r, m: 1})',
  'r',
  '({k: r.k, n: typeof r.n === "number" ? r.n * 2 : r.n, ts: r.ts, g: r.g})',
  'r.s',
  '({...r, s: String(r.s ?? "").toUpperCase()})',
  '({...r, n: r.n === null ? undefined : r.n})',
  ...(enabled('runPipeValues') ? ['({...r, q: r.n / 0, d: new Date(0), u: undefined})'] : []),
];
const MAPS_TEXT = ['({value: r.value, k: r.value.slice(0, 1), n: r.value.length})', 'r', '({...r, w: r.value.split(" ").length})', 'r.value'];
const FILTERS_JSON = ['typeof r.d !== "object" && r.q !== Infinity && !("u" in r)', 'r.n > 3', 'typeof r.k === "string" && r.k.length < 3', 'r.n % 2 === 0 || r.g === "__proto__"', '!("x" in r)', 'r.k !== "a" | 0'];
/** map --flat expressions (the text ones include the word count's split, which has fast paths of its own). */
const FLAT_JSON = ['r.s === undefined ? null : [r.s, {k: r.k}]', '[r, r]', 'r.k === "a" ? 5 : []'];
const FLAT_TEXT = [
  'r.value.split(" ")',
  'r.value.split("a")',
  'r.value.split(" ").filter(Boolean).map((w) => ({w, k: w.length}))',
  // Tokenisations the token plan runs (fast/token-plan.ts).
  'r.value.toLowerCase().split(/\\s+/).filter((w) => w !== "")',
  'r.value.toUpperCase().split(/[^A-ZÜ]+/).filter(Boolean)',
  'r.value.split(/\\s/)',
];
const FILTERS_TEXT = ['r.value.length > 2', '!r.value.includes("a")'];

export const compile = (expr: string) => new Function('r', `return (${expr});`) as (r: unknown) => unknown;

function dataLine(r: Rand, i: number, timeUnit: 'ms' | undefined): string {
  const roll = r();
  if (roll < 0.04) return pick(r, ['{bad', '{"k":', '[1,', 'nul', '{"a":1}}']);
  if (roll < 0.07) return pick(r, ['', '   ', '\t']);
  if (roll < 0.11) return pick(r, ['42', '"str"', '[1,2]', 'null', 'true', '{}']);
  if (roll < 0.13) {
    return pick(r, ['{"__sluice":{"v":1,"type":"eos"}}', '{"__sluice":{"v":2,"type":"eos","token":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}', '{"__sluice":{"v":1,"type":"batch","id":"/../x","start":0,"end":1}}', '{"__sluice":{"v":1,"type":"watermark","t":9e15}}', '{"__sluice":{"v":2,"type":"eos"}}', '{"__sluice":1}']);
  }
  const rec: Record<string, unknown> = {};
  if (chance(r, 0.05)) Object.defineProperty(rec, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
  if (chance(r, 0.9)) rec['k'] = pick(r, KEYS);
  if (chance(r, 0.5)) rec['g'] = pick(r, ['x', 'y', '__proto__']);
  const nRoll = r();
  if (nRoll < 0.75) rec['n'] = int(r, -20, 40) + (chance(r, 0.2) ? 0.5 : 0);
  else if (nRoll < 0.87) rec['n'] = null;
  else if (nRoll < 0.92) rec['n'] = 'x';
  // else: missing
  const t = T0 + i * int(r, 200, 3000) - (chance(r, 0.2) ? int(r, 0, 40_000) : 0);
  const tRoll = r();
  if (tRoll < 0.94) rec['ts'] = timeUnit === 'ms' ? t : new Date(t).toISOString();
  else if (tRoll < 0.97) rec['ts'] = pick(r, [null, 'yesterday', true]);
  if (chance(r, 0.6)) rec['s'] = pick(r, STRINGS);
  if (chance(r, 0.05)) rec['constructor'] = 'c';
  return JSON.stringify(rec);
}

function textLine(r: Rand): string {
  const roll = r();
  if (roll < 0.08) return '';
  if (roll < 0.12) return pick(r, ['  ', '\t']);
  if (roll < 0.15) return '{"__sluice":{"v":1,"type":"eos"}}';
  const words = Array.from({ length: int(r, 1, 5) }, () => pick(r, ['a', 'b', 'ab', 'ünï', '日本', '😀', '__proto__', 'x"y', 'back\\slash', 'AB', 'İΣ', 'Üb']));
  return chance(r, 0.8) ? words.join(' ') : words.join(pick(r, ['  ', '\t', '\u3000', ' \u00a0']));
}

function windowStage(r: Rand, timeUnit: 'ms' | undefined): Stage {
  const argv = ['window'];
  let shape: Extract<StageSpec, { kind: 'window' }>['shape'];
  const kind = pick(r, ['tumbling', 'sliding', 'session'] as const);
  if (kind === 'session') {
    const gap = pick(r, [5, 30, 90]);
    const keyFields = pick(r, [[], ['k'], ['k', 'g']]);
    argv.push('--session', `${gap}s`, ...keyFields.flatMap((k) => ['--key', k]));
    shape = { kind: 'session', gap: gap * 1000, keyFields };
  } else {
    const size = pick(r, [10, 20, 60]);
    const slide = kind === 'sliding' ? pick(r, [5, 10, size]) : size;
    argv.push(`${size}s`);
    if (kind === 'sliding') argv.push('--slide', `${slide}s`);
    shape = { kind: 'fixed', size: size * 1000, slide: slide * 1000 };
  }
  const delay = pick(r, [0, 5, 20]);
  const late = pick(r, ['drop', 'emit'] as const);
  argv.push('--time-field', 'ts', ...(delay > 0 ? ['--watermark', `${delay}s`] : []), '--late', late, '--on-error', 'skip');
  if (timeUnit) argv.push('--time-unit', timeUnit);
  return { argv, model: { kind: 'window', shape, timeField: 'ts', timeUnit, watermarkDelay: delay * 1000, late } };
}

function reduceStage(r: Rand, text: boolean): Stage {
  const keyFields = text ? pick(r, [[], ['k'], ['value']]) : pick(r, [[], ['k'], ['k', 'g']]);
  const aggregates: AggSpec[] = [];
  const argv = ['reduce-by-key', ...keyFields];
  if (chance(r, 0.7)) aggregates.push({ kind: 'count' });
  for (const kind of ['sum', 'min', 'max', 'avg', 'first', 'last', 'collect'] as AggKind[]) {
    if (!chance(r, 0.3)) continue;
    const field = ['first', 'last', 'collect'].includes(kind) ? pick(r, text ? ['value', 'k'] : ['s', 'k', 'n']) : 'n';
    aggregates.push({ kind, field });
  }
  if (aggregates.length === 0) aggregates.push({ kind: 'count' });
  // reduce-by-key writes aggregate columns in a fixed order: count, sum, min, max, avg, first, last, collect.
  for (const a of aggregates) argv.push(`--${a.kind}`, ...(a.field ? [a.field] : []));
  const mode = pick(r, ['batch', 'update', 'complete', 'append'] as Mode[]);
  argv.push('--mode', mode, '--on-error', 'skip');
  return { argv, model: { kind: 'reduce', keyFields, aggregates, mode } };
}

function transforms(r: Rand, format: 'json' | 'text'): Stage[] {
  const out: Stage[] = [];
  for (let i = int(r, 0, 2); i > 0; i--) {
    const roll = r();
    if (roll < 0.35) {
      const expr = pick(r, format === 'json' ? MAPS_JSON : MAPS_TEXT);
      out.push({ argv: ['map', expr, '--on-error', 'skip'], model: { kind: 'map', fn: compile(expr) } });
    } else if (roll < 0.55) {
      const expr = pick(r, format === 'json' ? FLAT_JSON : FLAT_TEXT);
      out.push({ argv: ['map', '--flat', expr, '--on-error', 'skip'], model: { kind: 'map', fn: compile(expr), flat: true } });
    } else {
      const expr = pick(r, format === 'json' ? FILTERS_JSON : FILTERS_TEXT);
      out.push({ argv: ['filter', expr, '--on-error', 'skip'], model: { kind: 'filter', fn: compile(expr) } });
    }
  }
  return out;
}

/**
 * A checkpointed pipeline for the fault trials: a JSON file of a few hundred to
 * 1,500 lines read in batches of 10 to 60 records, the same --checkpoint DIR on
 * every stage that keeps state, and the committing file sink.
 */
export function generateFaultCase(seed: number): Case {
  const r = rng(seed);
  const timeUnit = chance(r, 0.3) ? ('ms' as const) : undefined;
  const n = int(r, 300, 1500);
  const text = Array.from({ length: n }, (_, i) => dataLine(r, i, timeUnit)).join('\n') + '\n';
  const maxRecordsPerBatch = pick(r, [10, 25, 60]);
  const checkpoint = ['--checkpoint', 'C'];
  const stages: Stage[] = [{ argv: ['source', 'file', 'in.ndjson', '--format', 'json', '--on-error', 'skip', '--max-records-per-batch', String(maxRecordsPerBatch), ...checkpoint], model: undefined }];
  stages.push(...transforms(r, 'json'));
  let windowed: { session: boolean } | undefined;
  if (chance(r, 0.6)) {
    const w = windowStage(r, timeUnit);
    w.argv.push(...checkpoint);
    windowed = { session: (w.model as Extract<StageSpec, { kind: 'window' }>).shape.kind === 'session' };
    stages.push(w);
  }
  const reduce = chance(r, 0.6);
  if (reduce) {
    const s = reduceStage(r, false);
    s.argv.push(...checkpoint);
    stages.push(s);
  }
  stages.push({ argv: ['sink', 'file', 'out.ndjson', ...checkpoint], model: undefined });
  return { seed, file: { name: 'in.ndjson', text }, source: { format: 'json', text, maxRecordsPerBatch }, stages, rechunkAfter: [], ordered: !windowed?.session, wallClockWindow: reduce && !windowed };
}

export function generateCase(seed: number): Case {
  const r = rng(seed);
  const format = pick(r, ['json', 'json', 'text'] as const);
  const timeUnit = chance(r, 0.3) ? ('ms' as const) : undefined;
  const n = int(r, 0, 80);
  const lines = Array.from({ length: n }, (_, i) => (format === 'json' ? dataLine(r, i, timeUnit) : textLine(r)));
  const eol = chance(r, 0.15) ? '\r\n' : '\n';
  let text = lines.join(eol) + (n > 0 && chance(r, 0.85) ? eol : '');
  if (chance(r, 0.1)) text = '\ufeff' + text;
  const maxRecordsPerBatch = chance(r, 0.5) ? pick(r, [1, 2, 3, 7, 25]) : undefined;
  const name = format === 'json' ? 'in.ndjson' : 'in.txt';
  const sourceArgv = ['source', 'file', name, '--format', format, '--on-error', 'skip', ...(maxRecordsPerBatch ? ['--max-records-per-batch', String(maxRecordsPerBatch)] : [])];
  const stages: Stage[] = [{ argv: sourceArgv, model: undefined }];

  stages.push(...transforms(r, format));
  let windowed: { session: boolean } | undefined;
  if (format === 'json' && chance(r, 0.6)) {
    const w = windowStage(r, timeUnit);
    windowed = { session: (w.model as Extract<StageSpec, { kind: 'window' }>).shape.kind === 'session' };
    stages.push(w);
  }
  const reduce = chance(r, 0.65);
  /** Keys routed to workers: rows in N=1's order only partly. */
  let routed = false;
  if (reduce) {
    const s = reduceStage(r, format === 'text');
    // --parallel N promises the rows of N=1, and their order under the map-side combine (issue 12.4); routing
    // keys to workers (collect, SLUICE_FAST=0) only partly (rows a watermark or eos emits come by worker).
    if (chance(r, 0.15) && enabled('reduceParallel')) {
      s.argv.push('--parallel', String(int(r, 2, 3)));
      const aggregates = s.model?.kind === 'reduce' ? s.model.aggregates : [];
      routed = process.env['SLUICE_FAST'] === '0' || aggregates.some((a) => a.kind === 'collect');
    }
    stages.push(s);
  }
  stages.push({ argv: ['sink'], model: undefined });

  const rechunkAfter = Array.from({ length: stages.length - 1 }, (_, i) => i).filter(() => chance(r, 0.25));
  // Now and then a file of several 64 KiB reads, so that whole reads (issue 12.1: source --format json, and the
  // window stage after it under run) are taken in the real bin too; drawn last, so each seed's other draws stay as they were.
  if (format === 'json' && n > 0 && chance(r, 0.1)) {
    const more = Array.from({ length: int(r, 1500, 2500) }, (_, j) => dataLine(r, n + j, timeUnit));
    text = (text.endsWith(eol) ? text : text + eol) + more.join(eol) + eol;
  }
  return {
    seed,
    file: { name, text },
    source: { format, text, maxRecordsPerBatch },
    stages,
    rechunkAfter,
    ordered: !windowed?.session && !routed,
    wallClockWindow: reduce && !windowed,
  };
}
