import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from './run.js';

/** Output without the stream's random token and start time. */
export const steady = (text: string) => text.replace(/"token":"[0-9a-f]+"/g, '').replace(/"firstBatchStart":\d+/g, '');

/**
 * Runs shell pipelines of the real bin in `dir` with the fast paths on or off
 * (SLUICE_FAST), each writing its files under a directory of the run's own:
 * `stages(o)` gives the commands, `o(name)` naming an output file. Gives each
 * command's exit status and stderr, then the outputs named, steadied: two
 * runs print the same when the fast paths change nothing a user sees.
 */
export async function runWithFastPaths(dir: string, fast: '0' | '1', stages: (o: (name: string) => string) => string[], outputs: readonly string[]): Promise<string[]> {
  const outDir = `out-fast-${fast}`;
  mkdirSync(join(dir, outDir));
  const o = (name: string) => join(dir, outDir, name);
  const out: string[] = [];
  for (const command of stages(o)) {
    const r = await sh(command, { cwd: dir, env: { SLUICE_FAST: fast }, timeoutMs: 120_000 });
    out.push(`${command.replaceAll(outDir, 'OUT')}: exit ${r.code}`, r.stderr.replaceAll(outDir, 'OUT'));
  }
  for (const name of outputs) out.push(existsSync(o(name)) ? steady(readFileSync(o(name), 'utf8')) : `${name}: none`);
  return out;
}
