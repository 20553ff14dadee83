import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { records, sh, sluiceBin, tempDir } from '../helpers/run.js';
import { fileStream } from '../../src/engine/file-stream.js';

// Regular files (`< file` and `source file PATH`) are read with synchronous
// reads between turns of the event loop (src/engine/file-stream.ts).

test('standard input from a file reads on from the offset the shell left it at', async () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  writeFileSync(path, ['{"n":1}', '{"n":2}', '{"n":3}'].join('\n') + '\n');
  // bash's `read` consumes exactly one line of a regular file and leaves the shared offset after it.
  const r = await sh(`{ read -r first; sluice map 'r'; } < ${path} | sluice sink`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout).map((x) => x['n']), [2, 3]);
});

test('source file reads a file larger than one read exactly, and a missing file is one clear error', async () => {
  const dir = tempDir();
  const path = join(dir, 'big.ndjson');
  const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(i % 97) }));
  writeFileSync(path, lines.join('\n') + '\n');
  // With the source's control records the file is one batch however slowly a loaded machine runs the pipe
  // (with --data-only, reduce-by-key would cut batches by its own clock).
  const r = await sh(`sluice source file ${path} --format json | sluice reduce-by-key --count --sum i | sluice sink`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(records(r.stdout).map((x) => [x['count'], x['sum_i']]), [[30_000, (29_999 * 30_000) / 2]]);
  const missing = await sh(`sluice source file ${join(dir, 'nope.ndjson')}`);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.ndjson: no such file/);
});

test('a stage reading a large file from standard input still stops at SIGTERM at once (signals are served between reads)', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const path = join(dir, 'large.ndjson');
  writeFileSync(path, `${JSON.stringify({ pad: 'y'.repeat(500) })}\n`.repeat(400_000));
  const shell = spawn('bash', ['-c', `exec node ${JSON.stringify(sluiceBin)} filter 'r.pad.length > 0' < ${JSON.stringify(path)}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let started = false;
  const stopped = new Promise<{ code: number | null; ms: number }>((resolve) => {
    let sentAt = 0;
    shell.stdout.on('data', () => {
      if (started) return;
      started = true;
      sentAt = Date.now();
      shell.kill('SIGTERM');
    });
    shell.on('close', (code) => resolve({ code, ms: Date.now() - sentAt }));
  });
  const { code, ms } = await stopped;
  assert.ok(started, 'the stage wrote output before it was stopped');
  assert.equal(code, 143);
  assert.ok(ms < 10_000, `stopped ${ms} ms after SIGTERM`);
});

test('fileStream reuses its read buffer only for a reader that pauses until done with each chunk; others keep their chunks intact', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  const path = join(dir, 'bytes.bin');
  // Each 64 KiB read differs from the next, so a chunk overwritten by a later read shows.
  const content = Buffer.alloc(5 * 65536 + 123);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7 + Math.floor(i / 65536) * 13) & 255;
  writeFileSync(path, content);
  // A reader like sluice's: pauses, uses the chunk a few turns later, then resumes.
  const pausing = fileStream(path);
  const seen: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    let at = 0;
    pausing.on('data', (chunk: Buffer) => {
      pausing.pause();
      setTimeout(() => {
        if (!chunk.equals(content.subarray(at, at + chunk.length))) reject(new Error(`chunk at ${at} changed before it was used`));
        at += chunk.length;
        seen.push(chunk);
        pausing.resume();
      }, 2);
    });
    pausing.on('end', () => (at === content.length ? resolve() : reject(new Error(`read ${at} bytes`))));
    pausing.on('error', reject);
  });
  assert.ok(seen.length >= 6);
  assert.equal(new Set(seen.map((c) => c.buffer)).size, 1, 'the pausing reader got one reused buffer');
  // A reader that never pauses and keeps every chunk.
  const keeping: Buffer[] = [];
  const flowing = fileStream(path);
  await new Promise<void>((resolve, reject) => {
    flowing.on('data', (chunk: Buffer) => keeping.push(chunk));
    flowing.on('end', resolve);
    flowing.on('error', reject);
  });
  assert.ok(Buffer.concat(keeping).equals(content), 'chunks kept by a reader that never pauses are intact');
  // A reader through 'readable' events (async iteration) never pauses or resumes the stream: it must still be served.
  const iterated: Buffer[] = [];
  for await (const chunk of fileStream(path)) iterated.push(chunk as Buffer);
  assert.ok(Buffer.concat(iterated).equals(content), 'async iteration reads the whole file');
});
