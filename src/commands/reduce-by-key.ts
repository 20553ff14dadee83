import type { AggregateSpec } from '../engine/aggregates.js';
import { UsageError } from '../engine/errors.js';
import { OUTPUT_MODES, ReduceByKeyOperator, type OutputMode } from '../engine/operators/reduce-by-key.js';
import { ParallelOperator } from '../engine/operators/parallel.js';
import { PartitionedState } from '../engine/operators/partitioned-state.js';
import { CombineParallelOperator } from '../engine/operators/parallel-combine.js';
import { combinable } from '../engine/operators/partial-reduce.js';
import { DEFAULT_MAX_DEPTH } from '../engine/codec.js';
import { fastPathsOn } from '../engine/fast/switch.js';
import { runTransform } from './run-transform.js';
import { partitionStateName, partitionStateOptions } from './partition-state-options.js';
import type { Args, CommandSpec } from '../spec.js';
import { progressWriter, stateLimits, statefulStageOptions } from './stateful-options.js';

const FIELD_AGGREGATES = ['sum', 'min', 'max', 'avg', 'first', 'last', 'collect'] as const;

/** Aggregates in a fixed order: count, then sum, min, max, avg, first, last, collect, reduce. */
function listOf(value: unknown): string[] {
  return ([] as unknown[]).concat(value ?? []).filter((v) => v !== undefined && v !== '').map(String);
}

/** An --init value: JSON (0, "", [], {"n":0}...), so its type is what it looks like. */
function initialValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--init '${text}' is not a JSON value; write 0, 1.5, "text" (quoted for the shell: '"text"'), [], {} or null`);
  }
}

/** The first --reduce is column `reduce`, later ones `reduce_2`, `reduce_3`, ... so none overwrites another. */
function reduceColumn(index: number): string {
  return index === 0 ? 'reduce' : `reduce_${index + 1}`;
}

/** `--sum bytes --sum bytes` would write one column twice: say so instead of keeping one silently. */
function rejectRepeatedColumns(specs: AggregateSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (spec.kind === 'count' || spec.kind === 'reduce') continue;
    const column = `${spec.kind}_${spec.field}`;
    if (seen.has(column)) throw new UsageError(`--${spec.kind} ${spec.field} is given twice; each aggregate column is computed once`);
    seen.add(column);
  }
}

export function aggregateSpecs(args: Args): AggregateSpec[] {
  const specs: AggregateSpec[] = [];
  if (args['count']) specs.push({ kind: 'count' });
  for (const kind of FIELD_AGGREGATES) {
    for (const field of listOf(args[kind])) specs.push({ kind, field });
  }
  const reduces = listOf(args['reduce']);
  const inits = listOf(args['init']);
  if (inits.length > 0 && inits.length !== reduces.length) {
    throw new UsageError(`give one --init per --reduce, in the same order (got ${reduces.length} --reduce and ${inits.length} --init)`);
  }
  reduces.forEach((expr, i) => {
    const name = reduceColumn(i);
    specs.push(inits.length > 0 ? { kind: 'reduce', expr, init: { value: initialValue(inits[i]!) }, name } : { kind: 'reduce', expr, name });
  });
  rejectRepeatedColumns(specs);
  if (specs.length === 0) throw new UsageError('give at least one aggregate: --count, --sum F, --min F, --max F, --avg F, --first F, --last F, --collect F or --reduce EXPR');
  return specs;
}

export const reduceByKeyCommand: CommandSpec = {
  name: 'reduce-by-key',
  summary: 'aggregate records by key (and window), per batch or as running state (Spark\'s reduceByKey)',
  description: [
    'Groups records by the given field paths (a.b for nested fields; none for one global group) or by --key-expr, and computes the requested aggregates. By default each batch gets its own result: one row per key, emitted at the batch boundary, carrying the key fields, the aggregates and window {start, end} of the batch (ISO-8601).',
    'Aggregate columns are named count, sum_F, min_F, max_F, avg_F, first_F, last_F, collect_F and reduce (then reduce_2, reduce_3, ... for further --reduce options, in order). --reduce EXPR is Spark\'s reduceByKey(func): EXPR returns the new accumulator from a, the accumulator, and b, the next whole record (a record, not a field: write b.n). Without --init, a starts as the key\'s first record, so a and b are both records (--reduce \'({n: a.n + b.n})\'); with --init V (JSON), a starts as V, as in Spark\'s fold (--reduce \'a + b.n\' --init 0).',
    'Missing or null fields are ignored by sum, min, max and avg; a non-numeric value is a bad record. Keys such as __proto__ or constructor are ordinary keys.',
    'Records that carry window {start, end} (from sluice window) are aggregated per (window, key). --mode picks what is emitted, as in Structured Streaming: batch (default, the DStream result of each batch), update (at each batch, the rows that changed, with running aggregates), complete (at each batch, the whole table), append (each (window, key) exactly once, when the watermark from upstream passes the window end, or at end of stream). Without windows, update and complete are running totals since the stream started (updateStateByKey); their window is the span from the first batch to the current one.',
    'State of closed windows is evicted when the watermark passes (complete mode keeps everything, as the whole table is its output). A record that arrives for a window already closed and emitted is late: dropped and counted in update and append mode. --max-keys and --max-state-bytes bound the state: exceeding them stops the stage with exit 1 and a message naming the limit.',
  ],
  positionals: [{ name: 'field', describe: 'key field paths', variadic: true, optional: true }],
  options: [
    { name: 'count', type: 'boolean', default: false, describe: 'number of records per key' },
    ...FIELD_AGGREGATES.map((kind) => ({ name: kind, type: 'array' as const, placeholder: 'F', describe: `${kind} of field F per key (repeatable)` })),
    {
      name: 'reduce',
      type: 'array',
      placeholder: 'EXPR',
      describe: "custom reduction: EXPR returns the new accumulator from a (the accumulator: the key's first record, or the --init value) and b (the next record, a whole record: b.n is its field n)",
    },
    { name: 'init', type: 'array', placeholder: 'JSON', describe: "initial accumulator of the --reduce in the same position, as in Spark's fold: --reduce 'a + b.n' --init 0" },
    { name: 'key-expr', type: 'string', placeholder: 'EXPR', describe: 'compute the key with a JavaScript expression of r instead of fields' },
    { name: 'parallel', type: 'number', default: 1, placeholder: 'N', integer: true, min: 1, describe: 'aggregate in N threads: this one and N-1 workers each parse and aggregate a share of the input, and their partial aggregates are merged at every batch (collect and --reduce: N workers, keys spread by Kafka\'s murmur2 hash); same rows as N=1 (see docs/ARCHITECTURE.md)' },
    {
      name: 'mode',
      type: 'string',
      default: 'batch',
      choices: [...OUTPUT_MODES],
      describe: 'output mode: batch (each batch\'s own result), update (changed rows at each batch), complete (the whole table at each batch), append (each window once, when the watermark closes it)',
    },
    ...partitionStateOptions,
    ...statefulStageOptions,
  ],
  examples: [
    { cmd: `sluice source file docs/samples/sales.ndjson --format json | sluice reduce-by-key region --reduce 'a + b.amount' --init 0 | sluice sink`, describe: 'a fold from 0 over each record b' },
    { cmd: `printf 'a b a\\n' | sluice source | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink`, describe: 'word count' },
    { cmd: `sluice source file docs/samples/sales.csv --format csv | sluice reduce-by-key region --sum amount --avg amount | sluice sink`, describe: 'sum and mean per region' },
    { cmd: `sluice source file docs/samples/events.ndjson --format json | sluice window 10s --time-field ts --watermark 5s | sluice reduce-by-key k --count --mode append | sluice sink`, describe: 'event-time counts per 10 s window and key, each emitted once' },
  ],
  operator(args) {
    const aggregates = aggregateSpecs(args);
    const fields = ((args['field'] as unknown[] | undefined) ?? []).map(String);
    const keyExpr = args['key-expr'] === undefined ? undefined : String(args['key-expr']);
    const workers = parallelWorkers(args);
    const mode = String(args['mode'] ?? 'batch') as OutputMode;
    const reduce = { key: { fields, expr: keyExpr }, aggregates, mode, limits: stateLimits(args) };
    const stateName = partitionStateName(args, 'reduce-by-key');
    if (workers > 1 && combinesInWorkers(aggregates, args)) {
      const maxDepth = Number(args['max-depth'] ?? DEFAULT_MAX_DEPTH);
      return (next, ctx) => new CombineParallelOperator({ workers, reduce, maxDepth }, next, ctx);
    }
    if (workers > 1 && args['checkpoint'] !== undefined) {
      throw new UsageError('--parallel with --checkpoint needs aggregates whose partial results merge (--count, --sum, --avg, --min, --max, --first, --last): with --collect or --reduce each worker keeps its own keys, whose state is not checkpointed');
    }
    if (workers > 1) return (next, ctx) => new ParallelOperator({ workers, reduce }, next, ctx);
    if (stateName !== undefined) return (next, ctx) => new PartitionedState((out) => new ReduceByKeyOperator(reduce, out, ctx), stateName, next);
    return (next, ctx) => new ReduceByKeyOperator({ ...reduce, progress: progressWriter(args, ctx.warn) }, next, ctx);
  },
  run: (args, io) => runTransform('reduce-by-key', args, io, reduceByKeyCommand.operator!(args)),
};

/**
 * --parallel as a map-side combine (parallel-combine.ts) when every aggregate's
 * partials merge exactly; collect and --reduce (whose order or function
 * cannot be merged) route each record to the worker owning its key (parallel.ts),
 * as does SLUICE_FAST=0, except with --checkpoint, which only the combine supports.
 */
function combinesInWorkers(aggregates: AggregateSpec[], args: Args): boolean {
  return combinable(aggregates) && (fastPathsOn() || args['checkpoint'] !== undefined);
}

/** --parallel N: a whole number of workers, 1 meaning none. */
export function parallelWorkers(args: Args): number {
  const n = Number(args['parallel'] ?? 1);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--parallel '${String(args['parallel'])}' must be a whole number from 1 to 64`);
  return n;
}
