import { STAGE_NAME } from '../engine/control.js';
import { UsageError } from '../engine/errors.js';
import type { Args, OptionSpec } from '../spec.js';

/** --partition-state and --state-name: declared once for stateful stages whose state can move with Kafka partitions (issue 14.3). */
export const partitionStateOptions: OptionSpec[] = [
  {
    name: 'partition-state',
    type: 'boolean',
    default: false,
    describe:
      'keep state per partition of an upstream source kafka --changelog T, so it moves with the partition: restored from the changelog before the partition is read, passed at each batch to sink kafka --transactional --changelog T (see docs/ARCHITECTURE.md)',
  },
  { name: 'state-name', type: 'string', placeholder: 'NAME', describe: 'with --partition-state: this stage\'s key in the changelog (default: the command name); needed when a pipeline has two such stages' },
];

/** The stage's changelog key with --partition-state, else undefined. */
export function partitionStateName(args: Args, command: string): string | undefined {
  const name = args['state-name'];
  if (!args['partition-state']) {
    if (name !== undefined) throw new UsageError('--state-name needs --partition-state');
    return undefined;
  }
  if (args['checkpoint'] !== undefined) throw new UsageError('--partition-state does not go with --checkpoint: the state is kept in the Kafka changelog, not in DIR');
  if (args['progress'] || args['progress-file'] !== undefined) throw new UsageError('--partition-state does not report --progress yet');
  if (Number(args['parallel'] ?? 1) > 1) throw new UsageError('--partition-state cannot be combined with --parallel yet');
  const stage = name === undefined ? command : String(name);
  if (!STAGE_NAME.test(stage)) throw new UsageError(`--state-name '${stage}' must be 1 to 64 letters, digits, '.', '_' or '-'`);
  return stage;
}
