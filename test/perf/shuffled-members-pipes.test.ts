import assert from 'node:assert/strict';
import { test } from 'node:test';
import { everyStageBothWays } from '../helpers/fast-differential.js';
import { STREAM_EPOCH } from '../helpers/stream.js';

// Lines whose members come in another order on each line (a producer that
// writes a hash table's members as they lie), between runs of lines of one
// layout: the stages' layouts learn a few, rest while most lines miss, and
// take the steady lines again after (src/engine/fast/layout-trial.ts). The
// window, reduce-by-key (after the window and alone), filter, a spliced map,
// the sink and the json source print exactly what SLUICE_FAST=0 prints.

function seeded(seed: number): () => number {
  let a = seed;
  return () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

function lines(count: number): string[] {
  const random = seeded(12);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const members: [string, unknown][] = [
      ['ts', new Date(STREAM_EPOCH + i * 20 - Math.floor(random() * 3000)).toISOString()],
      ['user', `u${i % 5}`],
      ['path', `/p/${i % 11}`],
      ['status', [200, 304, 404, 500][i % 4]],
      ['bytes', i % 17 === 0 ? null : i % 1000],
      ['ua', i % 9 === 0 ? 'a "quoted" agent' : 'agent'],
    ];
    const shuffled = i >= 4000 && i < count - 4000;
    if (shuffled) {
      for (let j = members.length - 1; j > 0; j--) {
        const k = Math.floor(random() * (j + 1));
        [members[j], members[k]] = [members[k]!, members[j]!];
      }
    }
    out.push(i % 997 === 0 ? '{"ts": oops' : JSON.stringify(Object.fromEntries(members)));
  }
  return out;
}

test('members in another order on each line, between steady runs: every stage over pipes prints what SLUICE_FAST=0 prints', { timeout: 300_000 }, async () => {
  const fast = await everyStageBothWays(
    lines(40_000),
    {
      window: '2s --time-field ts --watermark 1s',
      afterWindow: 'status --count --sum bytes',
      keyed: 'path status --count --avg bytes --max bytes',
      filter: 'r.status >= 400 && r.path.startsWith("/p/1")',
      map: '({...r, kb: r.bytes / 1024, ok: r.status < 400})',
    },
    500,
  );
  assert.match(fast[fast.length - 2]!, /"ua":"a \\"quoted\\" agent"/);
});
