import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh, tempDir } from './run.js';
import { shellQuote } from './tmux.js';
import { boundedStream } from './stream.js';

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

/** What each stage of everyStage() does: the window's arguments, reduce-by-key's after it and alone, the filter's and the map's expression. */
export interface EveryStageJob {
  window: string;
  afterWindow: string;
  keyed: string;
  filter: string;
  map: string;
}

const EVERY_STAGE_OUTPUTS = ['win', 'red', 'late', 'keyed', 'filter', 'map', 'sink', 'source'];

/** Every stage that takes the fast paths, over a bounded stream of the lines (stream.ndjson) or the lines themselves (data.ndjson). */
function everyStage(job: EveryStageJob) {
  return (o: (name: string) => string) => [
    `cat stream.ndjson | sluice window ${job.window} --on-error skip --late ${o('late')} > ${o('win')}`,
    `cat ${o('win')} | sluice reduce-by-key ${job.afterWindow} --on-error skip > ${o('red')}`,
    `cat stream.ndjson | sluice reduce-by-key ${job.keyed} --on-error skip > ${o('keyed')}`,
    `cat stream.ndjson | sluice filter ${shellQuote(job.filter)} --on-error skip > ${o('filter')}`,
    `cat stream.ndjson | sluice map ${shellQuote(job.map)} --on-error skip > ${o('map')}`,
    `cat stream.ndjson | sluice sink --on-error skip > ${o('sink')}`,
    `sluice source file data.ndjson --format json --on-error skip | grep -v '^{"__sluice"' > ${o('source')}`,
  ];
}

/**
 * Runs the window, reduce-by-key after it and alone, a filter, a spliced map,
 * the sink and the json source over `lines` (in a bounded stream with a batch
 * every `batchEvery` lines), with the fast paths on and off, and asserts that
 * they print the same, diagnostics included. Gives the outputs with the fast
 * paths on (exit statuses and stderr first, then the outputs in the order
 * win, red, late, keyed, filter, map, sink, source).
 */
export async function everyStageBothWays(lines: readonly string[], job: EveryStageJob, batchEvery: number): Promise<string[]> {
  const dir = tempDir('sluice-both-ways-');
  try {
    writeFileSync(join(dir, 'data.ndjson'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'stream.ndjson'), boundedStream(lines, batchEvery));
    const fast = await runWithFastPaths(dir, '1', everyStage(job), EVERY_STAGE_OUTPUTS);
    assert.match(fast[0]!, /exit 0$/);
    assert.deepEqual(fast, await runWithFastPaths(dir, '0', everyStage(job), EVERY_STAGE_OUTPUTS));
    return fast;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
