import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, sluiceBin } from './run.js';

/**
 * Runs `source dir incoming | sink exec` in the background while `mover` (bash)
 * moves files into incoming/, then SIGINTs the source. `mk N K` writes file
 * staged/N with K lines "N.1".."N.K" and renames it into incoming/.
 */
export function pipeline(dir: string, mover: string, sourceOpts = '', sinkOpts = '') {
  const sl = `node ${JSON.stringify(sluiceBin)}`;
  return sh(
    `mkdir -p incoming staged; rm -f raw.ndjson
     mk() { for j in $(seq 1 $2); do echo "$1.$j"; done > staged/$1; mv staged/$1 incoming/$1; }
     bash -c 'echo $$ > src.pid; exec ${sl} source dir incoming --batch 200ms --poll 100ms ${sourceOpts}' 2>> err.txt \\
       | tee raw.ndjson | ${sl} sink exec ${sinkOpts} -- sh -c 'tee -a all.txt | wc -l >> counts.txt' 2>> err.txt &
     P=$!
     # Started (and the files already there listed) once the first batch boundary passed.
     for i in $(seq 150); do grep -q '"type":"batch"' raw.ndjson 2>/dev/null && break; sleep 0.1; done
     ${mover}
     sleep 0.8; kill -INT $(cat src.pid); wait $P; echo "rc=$?"`,
    { cwd: dir, timeoutMs: 30_000 },
  );
}

export function lines(dir: string, name: string): string[] {
  try {
    return readFileSync(join(dir, name), 'utf8').split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

/** The values of the records the command got. */
export function got(dir: string): string[] {
  return lines(dir, 'all.txt').map((l) => (JSON.parse(l) as { value: string }).value);
}

/** The lines the test's files hold: file n has n lines "n.1".."n.n". */
export function expected(files: number[]): string[] {
  return files.flatMap((n) => Array.from({ length: n }, (_, j) => `${n}.${j + 1}`));
}

