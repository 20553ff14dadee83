#!/usr/bin/env node
// The main job on built-in defaults: a word count of a short built-in text,
// through four real sluice processes joined by pipes.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/sluice', import.meta.url));
const text = [
  'the quick brown fox jumps over the lazy dog',
  'the dog sleeps and the fox runs',
  'a stream is a table that keeps growing',
].join('\n');
const s = `"${process.execPath}" "${bin}"`;
const pipeline = `${s} source | ${s} map --flat 'r.value.split(" ")' | ${s} reduce-by-key value --count | ${s} sink console`;
console.error(`$ printf '...' | sluice source | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink console`);
const child = spawn('bash', ['-o', 'pipefail', '-c', pipeline], { stdio: ['pipe', 'inherit', 'inherit'] });
child.stdin.end(text + '\n');
child.on('exit', (code) => (process.exitCode = code ?? 1));
