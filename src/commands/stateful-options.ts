import { progressOutput } from '../engine/progress.js';
import { UsageError } from '../engine/errors.js';
import { DEFAULT_MAX_STATE_BYTES, type StateLimitOptions } from '../engine/window/state-limits.js';
import type { Args, OptionSpec } from '../spec.js';
import { batchOption, checkpointOptions, dataOnlyOption, readingOptions } from './common-options.js';

/** --progress and --progress-file FILE: declared once for every stage that reports per-batch progress. */
export const progressOptions: OptionSpec[] = [
  {
    name: 'progress',
    type: 'boolean',
    default: false,
    describe: 'write one NDJSON progress object per batch (batchId, numInputRows, numOutputRows, rates, durationMs, watermark, stateRows, lateRows) to stderr',
  },
  { name: 'progress-file', type: 'string', placeholder: 'FILE', describe: 'append the --progress objects to FILE instead of stderr' },
];

/** --max-keys / --max-state-bytes: declared once for stateful stages. */
export const stateLimitOptions: OptionSpec[] = [
  { name: 'max-keys', type: 'number', placeholder: 'N', default: 0, integer: true, min: 0, describe: 'most rows held in state at once (keys per window, buffered records); exceeding it stops the stage with exit 1. 0 = no limit' },
  {
    name: 'max-state-bytes',
    type: 'number',
    placeholder: 'N',
    default: DEFAULT_MAX_STATE_BYTES,
    integer: true,
    min: 0,
    describe: 'most bytes of state (estimated) held at once; exceeding it stops the stage with exit 1 instead of running out of memory. 0 = no limit',
  },
];

/** The progress line writer, or undefined without --progress. */
export function progressWriter(args: Args, warn: (line: string) => void): ((line: string) => void) | undefined {
  const file = args['progress-file'];
  if (file !== undefined && file !== '') return progressOutput(String(file), warn);
  return args['progress'] ? progressOutput('', warn) : undefined;
}

export function stateLimits(args: Args): StateLimitOptions {
  const count = (name: string): number => {
    const v = Number(args[name] ?? 0);
    if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name} '${String(args[name])}' must be a whole number, 0 for no limit`);
    return v;
  };
  return { maxKeys: count('max-keys'), maxBytes: count('max-state-bytes') };
}

/** The options every stateful stage (window, reduce-by-key) ends its list with, in help order. */
export const statefulStageOptions: OptionSpec[] = [
  ...stateLimitOptions,
  ...progressOptions,
  ...readingOptions,
  batchOption,
  ...checkpointOptions,
  dataOnlyOption,
];
