import type { AggregateSpec } from '../engine/aggregates.js';
import { UsageError } from '../engine/errors.js';
import { ReduceByKeyOperator } from '../engine/operators/reduce-by-key.js';
import { batchOption, dataOnlyOption, readingOptions } from './common-options.js';
import { runTransform } from './run-transform.js';
import type { Args, CommandSpec } from './spec.js';

const FIELD_AGGREGATES = ['sum', 'min', 'max', 'avg', 'first', 'last', 'collect'] as const;

/** Aggregates in a fixed order: count, then sum, min, max, avg, first, last, collect, reduce. */
function listOf(value: unknown): string[] {
  return ([] as unknown[]).concat(value ?? []).filter((v) => v !== undefined && v !== '').map(String);
}

export function aggregateSpecs(args: Args): AggregateSpec[] {
  const specs: AggregateSpec[] = [];
  if (args['count']) specs.push({ kind: 'count' });
  for (const kind of FIELD_AGGREGATES) {
    for (const field of listOf(args[kind])) specs.push({ kind, field });
  }
  for (const expr of listOf(args['reduce'])) specs.push({ kind: 'reduce', expr });
  if (specs.length === 0) throw new UsageError('give at least one aggregate: --count, --sum F, --min F, --max F, --avg F, --first F, --last F, --collect F or --reduce EXPR');
  return specs;
}

export const reduceByKeyCommand: CommandSpec = {
  name: 'reduce-by-key',
  summary: 'aggregate records by key, per batch (Spark\'s reduceByKey)',
  description: [
    'Groups records by the given field paths (a.b for nested fields; none for one global group) or by --key-expr, and computes the requested aggregates. By default each batch gets its own result: one row per key, emitted at the batch boundary, carrying the key fields, the aggregates and window {start, end} of the batch (ISO-8601).',
    'Aggregate columns are named count, sum_F, min_F, max_F, avg_F, first_F, last_F, collect_F and reduce. --reduce EXPR is Spark\'s reduceByKey(func): a is the value so far (the first record of the key to begin with), b the next record.',
    'Missing or null fields are ignored by sum, min, max and avg; a non-numeric value is a bad record. Keys such as __proto__ or constructor are ordinary keys.',
  ],
  positionals: [{ name: 'field', describe: 'key field paths', variadic: true, optional: true }],
  options: [
    { name: 'count', type: 'boolean', default: false, describe: 'number of records per key' },
    ...FIELD_AGGREGATES.map((kind) => ({ name: kind, type: 'array' as const, placeholder: 'F', describe: `${kind} of field F per key (repeatable)` })),
    { name: 'reduce', type: 'array', placeholder: 'EXPR', describe: 'custom reduction: EXPR combines a (value so far) and b (next record)' },
    { name: 'key-expr', type: 'string', placeholder: 'EXPR', describe: 'compute the key with a JavaScript expression of r instead of fields' },
    ...readingOptions,
    batchOption,
    dataOnlyOption,
  ],
  examples: [
    { cmd: `printf 'a b a\\n' | sluice source | sluice map --flat 'r.value.split(" ")' | sluice reduce-by-key value --count | sluice sink`, describe: 'word count' },
    { cmd: `sluice source file sales.ndjson --format json | sluice reduce-by-key region --sum amount --avg amount`, describe: 'sum and mean per region' },
  ],
  operator(args) {
    const aggregates = aggregateSpecs(args);
    const fields = ((args['field'] as unknown[] | undefined) ?? []).map(String);
    const keyExpr = args['key-expr'] === undefined ? undefined : String(args['key-expr']);
    return (next, ctx) => new ReduceByKeyOperator({ key: { fields, expr: keyExpr }, aggregates }, next, ctx);
  },
  run: (args, io) => runTransform('reduce-by-key', args, io, reduceByKeyCommand.operator!(args)),
};
