#!/usr/bin/env node
// The main job on built-in defaults: a word count of a short built-in text,
// through four real sluice processes joined by pipes.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
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
child.on('exit', (code) => {
  process.exitCode = code ?? 1;
  if (code === 0) console.error(nextSteps());
});

/** True when `sluice` on PATH is this checkout's bin. */
function sluiceOnPath() {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      return dir !== '' && realpathSync(join(dir, 'sluice')) === realpathSync(bin);
    } catch {
      return false;
    }
  });
}

function nextSteps() {
  const lines = ['', 'What to type next:'];
  if (!sluiceOnPath()) lines.push('  npm run setup                # first put the sluice command on PATH (or use bin/sluice)');
  lines.push(
    '  sluice --help                # the commands; sluice help CMD for one of them',
    `  sluice source file docs/samples/words.txt | sluice map --flat 'r.value.split(" ")' \\`,
    '    | sluice reduce-by-key value --count | sluice sink console',
    '  nc -lk 9999                  # in another terminal, then type words into it:',
    `  sluice source socket localhost:9999 | sluice map --flat 'r.value.split(" ")' \\`,
    '    | sluice reduce-by-key value --count | sluice sink console',
    'More in README.md and docs/COOKBOOK.md.',
  );
  return lines.join('\n');
}
