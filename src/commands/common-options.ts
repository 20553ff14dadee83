import type { OptionSpec } from '../spec.js';
import { statusOption } from './terminal-display.js';
import { parseOnError } from '../engine/error-policy.js';
import { parseDuration } from '../engine/duration.js';
import { DEFAULT_MAX_DEPTH } from '../engine/codec.js';
import { UsageError } from '../engine/errors.js';
import type { Args } from '../spec.js';

/** Options shared by every stage that reads records. Declared once here. */
export const readingOptions: OptionSpec[] = [
  {
    name: 'on-error',
    type: 'string',
    placeholder: 'POLICY',
    default: 'fail',
    env: 'SLUICE_ON_ERROR',
    describe: 'what to do with a bad record: fail (stop, exit 1), skip (warn and count), dead-letter=FILE (append the raw line to FILE)',
  },
  { name: 'max-line-bytes', type: 'number', placeholder: 'N', default: 16 * 1024 * 1024, integer: true, min: 1, env: 'SLUICE_MAX_LINE_BYTES', describe: 'longest input line accepted; longer lines are bad records, skipped without being held in memory' },
  { name: 'max-depth', type: 'number', placeholder: 'N', default: DEFAULT_MAX_DEPTH, integer: true, min: 1, describe: 'deepest JSON nesting accepted; deeper records are bad records' },
  { name: 'strict-utf8', type: 'boolean', default: false, describe: 'treat invalid UTF-8 as a bad record instead of replacing it with U+FFFD' },
  // Not about reading, but every stage that reads records is a stage that can show it.
  statusOption,
];

export const batchOption: OptionSpec = {
  name: 'batch',
  type: 'string',
  placeholder: 'DURATION',
  kind: 'duration',
  default: '1s',
  env: 'SLUICE_BATCH',
  describe: 'batch interval (500ms, 1s, 1m...); boundaries are aligned to the Unix epoch. Stages downstream of a sluice source follow its batches; this sets the interval when the input comes from a foreign tool',
};

export const dataOnlyOption: OptionSpec = {
  name: 'data-only',
  type: 'boolean',
  default: false,
  describe: 'write data records only, without control records, for tools other than sluice',
};

export interface ReadingSettings {
  onError: ReturnType<typeof parseOnError>;
  maxLineBytes: number;
  maxDepth: number;
  strictUtf8: boolean;
}

/** A limit must be a whole number > 0: `1MiB` reaches us as NaN and would silently disable the limit. */
function positiveWhole(args: Args, name: string, unit: string): number {
  const n = Number(args[name]);
  if (Number.isInteger(n) && n > 0) return n;
  const hint = Number.isNaN(n) ? '; units such as 1MiB are not accepted, write 1048576' : '';
  throw new UsageError(`--${name} must be a whole number of ${unit} > 0 (got ${String(args[name])}${hint})`);
}

export function readingSettings(args: Args): ReadingSettings {
  return {
    onError: parseOnError(String(args['on-error'])),
    maxLineBytes: positiveWhole(args, 'max-line-bytes', 'bytes'),
    maxDepth: positiveWhole(args, 'max-depth', 'levels'),
    strictUtf8: Boolean(args['strict-utf8']),
  };
}

export function batchInterval(args: Args): number {
  return parseDuration(String(args['batch']), '--batch');
}

/** --checkpoint DIR and --checkpoint-name NAME: declared once, used by source, window, reduce-by-key and sink. */
export const checkpointOptions: OptionSpec[] = [
  {
    name: 'checkpoint',
    type: 'string',
    placeholder: 'DIR',
    describe: 'checkpoint directory shared by every stage of the pipeline: the sink commits each durable batch, stateful stages save their state, and a restarted source resumes after the last commit (each stage keeps its files in DIR/<command>/)',
  },
  {
    name: 'checkpoint-name',
    type: 'string',
    placeholder: 'NAME',
    describe: 'subdirectory of --checkpoint DIR for this stage (default: the command name); needed when a pipeline has two stages of one kind',
  },
];

/** The checkpoint directory and this stage's role in it, or undefined without --checkpoint. */
export function checkpointTarget(args: Args, command: string): { dir: string; role: string } | undefined {
  const dir = args['checkpoint'];
  if (dir === undefined || dir === '') {
    if (args['checkpoint-name'] !== undefined) throw new UsageError('--checkpoint-name needs --checkpoint DIR');
    return undefined;
  }
  return { dir: String(dir), role: args['checkpoint-name'] === undefined ? command : String(args['checkpoint-name']) };
}
