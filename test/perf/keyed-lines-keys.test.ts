import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from '../helpers/run.js';

// reduce-by-key's keyed-line reader (fast/keyed-lines.ts) reads each field
// once; a key that names a field twice (`a a`, `a b a`) must still group and
// print as the general path does. It once gave every repeated key field
// null. Lines come one by one and in whole reads (the input spans reads),
// through a pipe, under `sluice run` (after a window, whose layouts hand the
// fields over) and with --parallel.

const T0 = Date.parse('2026-03-01T10:00:00Z');

test('reduce-by-key with a key field named twice prints what SLUICE_FAST=0 prints', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const path = join(dir, 'in.ndjson');
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const ts = new Date(T0 + i * 40).toISOString();
    lines.push(JSON.stringify({ ts, a: ['x', 'y', 'é', 7][i % 4], b: i % 3 === 0 ? null : `b${i % 5}`, n: i % 11, pad: 'Mozilla/5.0 (X11; Linux x86_64)' }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  const commands: string[] = [];
  for (const key of ['a a', 'a b a', 'b a b b']) {
    const reduce = `reduce-by-key ${key} --count --sum n`;
    commands.push(`sluice source file ${path} --format json | sluice ${reduce} | sluice sink`);
    commands.push(`sluice source file ${path} --format json | sluice ${reduce} --parallel 2 | sluice sink`);
    commands.push(`sluice run 'source file ${path} --format json | window 1m --time-field ts | ${reduce} | sink'`);
  }
  for (const command of commands) {
    const fast = await sh(command);
    const general = await sh(command, { env: { SLUICE_FAST: '0' } });
    assert.equal(fast.code, 0, `${command}\n${fast.stderr}`);
    assert.ok(general.stdout.includes('"a":"x"'), `${command} prints keys`);
    assert.deepEqual([fast.code, fast.stdout, fast.stderr], [general.code, general.stdout, general.stderr], command);
  }
});
