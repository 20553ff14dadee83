/** Generated event files and independent oracles for the window end-to-end tests. */

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export interface Ev {
  ts: string;
  k: string;
  seq: number;
}

/** A small deterministic PRNG (mulberry32), so a failing input can be reproduced from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Events about `spacingMs` apart, each shifted back by up to `maxDisorderMs`, so
 * the file is out of order by up to that much: `{"ts":"2026-01-01T00:00:03Z","k":"a","seq":0}`.
 */
export function events(n: number, seed: number, spacingMs = 400, maxDisorderMs = 4000, keys = ['a', 'b', 'c']): Ev[] {
  const r = rng(seed);
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) {
    const t = T0 + 10_000 + i * spacingMs - Math.floor(r() * maxDisorderMs);
    out.push({ ts: new Date(t).toISOString(), k: keys[Math.floor(r() * keys.length)]!, seq: i });
  }
  return out;
}

export function ndjson(evs: object[]): string {
  return evs.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/**
 * Expected counts per (window start, key), computed without sluice: each record
 * counts in every window [s, s + size) with s a multiple of slide that contains it,
 * unless the watermark (max event time so far - delay) already passed that window's end.
 */
export function oracleCounts(evs: Ev[], size: number, slide: number, delay: number): { counts: Map<string, number>; late: number } {
  const counts = new Map<string, number>();
  let max = -Infinity;
  let late = 0;
  for (const e of evs) {
    const t = Date.parse(e.ts);
    const watermark = max - delay;
    let anyLate = false;
    for (let s = Math.floor(t / slide) * slide; s > t - size; s -= slide) {
      if (s + size <= watermark) {
        anyLate = true;
        continue;
      }
      const id = `${new Date(s).toISOString()}|${e.k}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (anyLate) late++;
    max = Math.max(max, t);
  }
  return { counts, late };
}

/** Rows of reduce-by-key as `window start|key` -> count; fails on a (window, key) printed twice. */
export function rowCounts(rows: Record<string, unknown>[], size: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    const w = r['window'] as { start: string; end: string };
    if (Date.parse(w.end) - Date.parse(w.start) !== size) throw new Error(`window of the wrong size: ${JSON.stringify(w)}`);
    const id = `${w.start}|${String(r['k'])}`;
    if (out.has(id)) throw new Error(`(window, key) ${id} printed twice`);
    out.set(id, r['count'] as number);
  }
  return out;
}

/** The last row per (window, key), for update and complete mode output. */
export function lastRowCounts(rows: Record<string, unknown>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(`${(r['window'] as { start: string }).start}|${String(r['k'])}`, r['count'] as number);
  return out;
}

export function sorted(m: Map<string, number>): [string, number][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
