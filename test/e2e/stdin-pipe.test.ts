import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { records, sh, tempDir } from '../helpers/run.js';

// A stage reads a pipe on stdin into one reused buffer (src/engine/stdin-reader.ts),
// and reduce-by-key's count lane reads {"F":"key"} lines straight from it
// (src/engine/framing.ts lineBytes). Nothing may be read after the buffer was
// overwritten: lines that cross reads, long lines and multi-byte characters
// must come through exactly.

function corpus(): { text: string; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const lines: string[] = [];
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const words = ['a', 'b', 'w3f', 'é', 'say "hi"', 'x'.repeat(200), '\u00e9\u20ac\ud83d\ude00', 'back\\slash'];
  for (let i = 0; i < 120_000; i++) {
    const word = i % 5000 === 0 ? 'L'.repeat(70_000 + i) : words[Math.floor(rand() * words.length)]!;
    counts.set(word, (counts.get(word) ?? 0) + 1);
    const r = rand();
    // Mostly the one-field shape the lane reads from bytes; some others it must leave to the parser.
    lines.push(r < 0.995 ? JSON.stringify({ word }) : r < 0.998 ? JSON.stringify({ n: i, word }) : JSON.stringify({ word, other: [i] }));
  }
  return { text: lines.join('\n') + '\n', counts };
}

test('stdin pipe: lines across reads, long lines and multi-byte text come through a stage byte for byte', async () => {
  const dir = tempDir('sluice-stdin-');
  const { text } = corpus();
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, text);
  const r = await sh(`cat ${file} | sluice map r --data-only | cmp - ${file} && echo same`, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'same');
});

test('stdin pipe: the count lane counts exactly what JSON.parse would, whichever shape each line has', async () => {
  const dir = tempDir('sluice-stdin-');
  const { text, counts } = corpus();
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, text);
  const r = await sh(`cat ${file} | sluice reduce-by-key word --count --data-only`, { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const got = new Map<string, number>();
  for (const row of records(r.stdout)) got.set(row['word'] as string, (got.get(row['word'] as string) ?? 0) + (row['count'] as number));
  assert.deepEqual([...got].sort(), [...counts].sort());
});

test('stdin pipe: a flat map split straight from the bytes prints what the expression prints', async () => {
  const dir = tempDir('sluice-stdin-');
  const { text } = corpus();
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, text);
  // SLUICE_FAST=0: the expression is evaluated record by record.
  const r = await sh(`cmp <(cat ${file} | SLUICE_FAST=1 sluice map --flat 'r.word.split("s")' --data-only) <(cat ${file} | SLUICE_FAST=0 sluice map --flat 'r.word.split("s")' --data-only) && echo same`, { timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'same');
});
