import { pipeReaders, pipeWriters } from '../engine/pipe-readers.js';

/**
 * A stage whose stdout carries control records and is piped straight into a
 * JSON tool (`sluice source file words.txt | jq .value`) says once, on stderr,
 * that --data-only is what that tool wants. Only for tools that read JSON, so
 * `| head`, `| sort`, a capture by a parent process and every sluice pipeline
 * stay silent. Looked for after a second and at the end, when the reader has
 * surely started; at most once.
 */
const JSON_TOOLS = new Set(['jq', 'gojq', 'jaq', 'mlr', 'miller', 'gron', 'fx', 'jless', 'jello', 'dasel', 'yq', 'duckdb', 'spyql']);

export interface ForeignReaderHint {
  /** Look now (at the end of the stage), unless already done. */
  check(): void;
}

/**
 * `source` always writes control records unless data-only; any other stage
 * only when its input came from sluice (`fromSluiceOnly`), so it looks at who
 * writes its stdin too.
 */
export function foreignReaderHint(command: string, dataOnly: boolean, warn: (line: string) => void, fromSluiceOnly = false): ForeignReaderHint {
  let done = dataOnly || process.platform !== 'linux';
  const check = () => {
    if (done) return;
    done = true;
    const readers = pipeReaders();
    if (readers.includes('sluice')) return;
    const tool = readers.find((r) => JSON_TOOLS.has(r));
    if (tool === undefined) return;
    if (fromSluiceOnly && !pipeWriters().includes('sluice')) return;
    warn(
      `sluice ${command}: stdout goes to ${tool}, which will also see sluice's control records (lines with "__sluice"); add --data-only to this stage, or end the pipeline with | sluice sink, to pass data records only`,
    );
  };
  if (!done) setTimeout(check, 1000).unref();
  return { check };
}
