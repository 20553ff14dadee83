import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/run.js';
import { runPipeline } from './kill.js';

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line ${from + i} é`).join('\n') + '\n';

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

const outLines = (dir: string) => (existsSync(join(dir, 'out.ndjson')) ? readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n').filter(Boolean) : []);

test('source file --follow --checkpoint: killed and restarted, every line arrives exactly once', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'app.log'), lines(0, 50));
  const cmd = 'sluice source file app.log --follow --poll 50ms --batch 200ms --max-records-per-batch 7 --checkpoint C | sluice sink file out.ndjson --checkpoint C';
  // Run 1: reads what is there, more lines arrive, then kill -9 mid-stream.
  const first = runPipeline(cmd, dir, 2500);
  await until(() => outLines(dir).length >= 30, 8000);
  appendFileSync(join(dir, 'app.log'), lines(50, 120));
  await first;
  appendFileSync(join(dir, 'app.log'), lines(120, 150));
  // Run 2: continues at the committed line, then is stopped with SIGTERM once all arrived.
  const second = runPipeline(cmd, dir, 6000, 20_000, 'SIGTERM');
  await until(() => outLines(dir).length >= 150, 8000);
  await new Promise((r) => setTimeout(r, 300));
  await second;
  const got = outLines(dir).map((l) => (JSON.parse(l) as { value: string }).value);
  assert.deepEqual(got, lines(0, 150).trimEnd().split('\n'));
});
