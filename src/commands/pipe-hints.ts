import { pipeReaders } from '../engine/pipe-readers.js';
import { batchOption } from './common-options.js';
import type { Args } from '../spec.js';

/**
 * Hints about where a stage sits in a pipeline, each printed at most once on
 * stderr and only where it is likely right; never in a plain sluice pipeline.
 */

/** Tools that parse JSON: the ones that would choke on, or show, control records. */
const JSON_TOOLS = new Set(['jq', 'gojq', 'jaq', 'mlr', 'miller', 'gron', 'fx', 'jless', 'jello', 'dasel', 'yq', 'duckdb', 'spyql']);

export interface ForeignReaderHint {
  /** Control records are flowing on stdout (a source, or a stage with a sluice stage upstream). */
  controlFlows(): void;
  /** Look now (at the end of the stage), unless already done. */
  check(): void;
}

/**
 * A stage whose stdout carries control records and is piped straight into a
 * JSON tool (`sluice source file words.txt | jq .value`) says that
 * --data-only is what that tool wants. The pipe's reader is looked up in
 * /proc (src/engine/pipe-readers.ts) a second after control records started
 * to flow and at the end, when the reader has surely started.
 */
export function foreignReaderHint(command: string, dataOnly: boolean, warn: (line: string) => void): ForeignReaderHint {
  let flowing = false;
  let done = dataOnly || process.platform !== 'linux';
  const check = () => {
    if (done || !flowing) return;
    done = true;
    const readers = pipeReaders();
    if (readers.includes('sluice')) return;
    const tool = readers.find((r) => JSON_TOOLS.has(r));
    if (tool === undefined) return;
    warn(
      `sluice ${command}: stdout goes to ${tool}, which will also see sluice's control records (lines with "__sluice"); add --data-only to this stage, or end the pipeline with | sluice sink, to pass data records only`,
    );
  };
  return {
    controlFlows() {
      if (flowing || done) return;
      flowing = true;
      setTimeout(check, 1000).unref();
    },
    check,
  };
}

/**
 * `--batch` on a stage downstream of sluice is ignored: the stage follows the
 * upstream's batches. Said once when the first control record arrives, and
 * only for a flag given on this stage (an interval from SLUICE_BATCH applies
 * to every stage alike and is not worth a line per stage).
 */
export function ignoredBatchWarning(command: string, args: Args, warn: (line: string) => void): () => void {
  const batch = String(args['batch']);
  const given = batch !== String(batchOption.default) && process.env[batchOption.env!] !== batch;
  let said = !given;
  return () => {
    if (said) return;
    said = true;
    warn(`sluice ${command}: --batch ${batch} is ignored: this stage follows the batches of the sluice stage before it; set the interval where the stream starts (sluice source --batch ${batch})`);
  };
}
