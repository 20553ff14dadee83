import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/run.js';
import { runWithFastPaths } from '../helpers/fast-differential.js';
import { boundedStream, STREAM_EPOCH } from '../helpers/stream.js';

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

const stages = (o: (name: string) => string) => [
  `cat stream.ndjson | sluice window 2s --time-field ts --watermark 1s --on-error skip --late ${o('late')} > ${o('win')}`,
  `cat ${o('win')} | sluice reduce-by-key status --count --sum bytes --on-error skip > ${o('red')}`,
  `cat stream.ndjson | sluice reduce-by-key path status --count --avg bytes --max bytes --on-error skip > ${o('keyed')}`,
  `cat stream.ndjson | sluice filter 'r.status >= 400 && r.path.startsWith("/p/1")' --on-error skip > ${o('filter')}`,
  `cat stream.ndjson | sluice map '({...r, kb: r.bytes / 1024, ok: r.status < 400})' --on-error skip > ${o('map')}`,
  `cat stream.ndjson | sluice sink --on-error skip > ${o('sink')}`,
  `sluice source file data.ndjson --format json --on-error skip | grep -v '^{"__sluice"' > ${o('source')}`,
];

test('members in another order on each line, between steady runs: every stage over pipes prints what SLUICE_FAST=0 prints', { timeout: 300_000 }, async () => {
  const dir = tempDir('sluice-shuffled-');
  try {
    const data = lines(40_000);
    writeFileSync(join(dir, 'data.ndjson'), data.join('\n') + '\n');
    writeFileSync(join(dir, 'stream.ndjson'), boundedStream(data, 500));
    const outputs = ['win', 'red', 'late', 'keyed', 'filter', 'map', 'sink', 'source'];
    const fast = await runWithFastPaths(dir, '1', stages, outputs);
    assert.match(fast[0]!, /exit 0$/);
    assert.match(fast[fast.length - 2]!, /"ua":"a \\"quoted\\" agent"/);
    assert.deepEqual(fast, await runWithFastPaths(dir, '0', stages, outputs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
