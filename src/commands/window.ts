import { parseDuration } from '../engine/duration.js';
import { UsageError } from '../engine/errors.js';
import { TIME_UNITS, type TimeUnit } from '../engine/event-time.js';
import { WindowOperator, type WindowOptions, type WindowShape } from '../engine/operators/window.js';
import { parseLate } from '../engine/window/late-policy.js';
import { fixedWindows } from '../engine/window/assigner.js';
import { runTransform } from './run-transform.js';
import type { Args, CommandSpec } from '../spec.js';
import { progressWriter, stateLimits, statefulStageOptions } from './stateful-options.js';

const DEFAULT_MAX_SKEW = '1h';

function windowOptions(args: Args): Omit<WindowOptions, 'progress'> {
  const size = args['size'];
  const session = args['session'];
  // yargs gives [undefined] for an array option that was not used.
  const keyFields = ([] as unknown[]).concat(args['key'] ?? []).filter((k) => k !== undefined && k !== null && k !== '').map(String);
  let shape: WindowShape;
  if (session !== undefined) {
    if (size !== undefined) throw new UsageError(`give either a window SIZE or --session GAP, not both (got SIZE '${String(size)}' and --session '${String(session)}')`);
    if (args['slide'] !== undefined) throw new UsageError('--slide applies to fixed windows, not to --session');
    shape = { kind: 'session', gap: parseDuration(String(session), '--session'), keyFields };
  } else {
    if (size === undefined) throw new UsageError('give a window SIZE (e.g. 10s), or --session GAP for session windows');
    if (keyFields.length > 0) throw new UsageError('--key applies to --session windows; fixed windows are keyed downstream by reduce-by-key');
    shape = { kind: 'fixed', size: parseDuration(String(size), 'SIZE') };
    if (args['slide'] !== undefined) shape.slide = parseDuration(String(args['slide']), '--slide');
    fixedWindows(shape.size, shape.slide); // refuses an unbounded fan-out before anything starts
  }
  const timeField = args['time-field'] === undefined ? undefined : String(args['time-field']);
  const eventOnly = ['time-unit', 'watermark', 'max-skew'].filter((o) => args[o] !== undefined);
  if (timeField === undefined && eventOnly.length > 0) {
    throw new UsageError(`--${eventOnly[0]} needs --time-field F (without it, windows are in processing time)`);
  }
  const unit = args['time-unit'] === undefined ? undefined : (String(args['time-unit']) as TimeUnit);
  const skew = String(args['max-skew'] ?? DEFAULT_MAX_SKEW);
  return {
    shape,
    timeField,
    timeUnit: unit,
    watermarkDelay: args['watermark'] === undefined || /^\s*0+(\.0+)?\s*[a-z]*\s*$/.test(String(args['watermark'])) ? 0 : parseDuration(String(args['watermark']), '--watermark'),
    maxSkew: skew === 'off' ? 0 : parseDuration(skew, '--max-skew'),
    late: parseLate(String(args['late'] ?? 'drop')),
    limits: stateLimits(args),
  };
}

export const windowCommand: CommandSpec = {
  name: 'window',
  summary: 'assign records to tumbling, sliding or session windows, in processing or event time',
  description: [
    'Adds window {start, end} (ISO-8601) to every record: tumbling windows of SIZE, sliding windows of SIZE every --slide D (one copy of the record per window containing it), or session windows with --session GAP, per --key. Fixed windows are aligned to the Unix epoch. Aggregate them downstream with reduce-by-key, which keeps state per (window, key).',
    'Processing time (the default): a record\'s time is the start of the batch it arrives in, as told by the batch boundaries from upstream. Event time: --time-field F, an ISO-8601 string (UTC when it has no offset) or, with --time-unit, an epoch number. A time that cannot be parsed is a bad record under --on-error, never epoch 0.',
    'Watermark: the largest event time seen so far minus --watermark D, updated record by record, so the result does not depend on how the input was chunked or how fast it came. It is sent downstream as a control record at every batch boundary where it moved, and reduce-by-key closes a window when it passes the window\'s end. An event time more than --max-skew ahead of the clock (default 1h; off to disable) is a bad record, so one far-future timestamp cannot make every later record late.',
    'A record whose windows the watermark has already closed is late: --late drop (default) counts it and reports the total at the end, --late emit passes it on with "late": true, --late FILE appends its raw line to FILE.',
  ],
  positionals: [{ name: 'size', describe: 'window length (10s, 5m, 1h); omit with --session', optional: true }],
  options: [
    { name: 'slide', type: 'string', placeholder: 'D', kind: 'duration', describe: 'sliding windows: a new window every D (at most SIZE)' },
    { name: 'session', type: 'string', placeholder: 'GAP', kind: 'duration', describe: 'session windows: a session ends after GAP without events of its key' },
    { name: 'key', type: 'array', placeholder: 'F', describe: 'with --session: field paths that key the sessions (repeatable; none = one global session)' },
    { name: 'time-field', type: 'string', placeholder: 'F', describe: 'event time from field F (ISO-8601, or an epoch number with --time-unit); default: processing time' },
    { name: 'time-unit', type: 'string', choices: [...TIME_UNITS], describe: 'unit of numeric event times: ms, s, us or ns' },
    { name: 'watermark', type: 'string', placeholder: 'D', kind: 'duration', min: 0, describe: 'allowed lateness: watermark = max event time seen - D (default 0s)' },
    { name: 'late', type: 'string', placeholder: 'drop|emit|FILE', default: 'drop', describe: 'records behind the watermark: drop and count, emit flagged "late": true, or append their raw lines to FILE' },
    { name: 'max-skew', type: 'string', placeholder: 'D', kind: 'duration', alsoAccepts: ['off'], describe: `event times more than D ahead of the clock are bad records and never move the watermark (default ${DEFAULT_MAX_SKEW}; off to disable)` },
    ...statefulStageOptions,
  ],
  examples: [
    { cmd: 'sluice source rate --per-second 100 --limit 500 | sluice window 2s | sluice reduce-by-key --count --mode append | sluice sink', describe: 'records per 2-second window, processing time' },
    {
      cmd: 'sluice source file docs/samples/events.ndjson --format json | sluice window 10s --time-field ts --watermark 5s | sluice reduce-by-key k --count --mode append | sluice sink',
      describe: 'event-time counts per 10 s window and key, each printed once when its window closes',
    },
    { cmd: 'sluice source file docs/samples/clicks.ndjson --format json | sluice window --session 30m --key user --time-field ts | sluice reduce-by-key user --count | sluice sink', describe: 'clicks per user session' },
  ],
  operator(args) {
    const options = windowOptions(args);
    return (next, ctx) => new WindowOperator({ ...options, progress: progressWriter(args, ctx.warn) }, next, ctx);
  },
  run: (args, io) => runTransform('window', args, io, windowCommand.operator!(args)),
};
