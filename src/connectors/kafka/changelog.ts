import { type Control, type ControlOf, validateControl, ControlRecordError } from '../../engine/control.js';
import { UsageError } from '../../engine/errors.js';
import type { OptionSpec } from '../../spec.js';
import { requireTopic } from './client.js';

/**
 * The changelog of partition state (issue 14.3): a compacted topic with the
 * input topic's partition count. Partition p's state of stage S is the message
 * keyed S in changelog partition p whose value is
 * `{"stage":S,"partition":p,"offset":O,"state":{...}}`: S's state after every
 * record of input partition p before offset O. Written by `sink kafka
 * --transactional --changelog T` in the partition's transaction of the batch (partition-transactions.ts), read back by
 * `source kafka --changelog T` (changelog-restore.ts) when it is assigned p.
 */
export const changelogOption: OptionSpec = {
  name: 'changelog',
  type: 'string',
  placeholder: 'T',
  describe:
    'kafka: compacted topic (as many partitions as the input topic) holding the state of reduce-by-key --partition-state per input partition; the source restores a partition\'s state from it before reading the partition, the transactional sink writes it with each batch',
};

/** --changelog T, checked, or undefined. */
export function changelogTopic(args: Record<string, unknown>): string | undefined {
  const t = args['changelog'];
  if (t === undefined) return undefined;
  return requireTopic(t, '--changelog');
}

/**
 * A changelog message read back as a `restore` record, validated as strictly
 * as a control record from a stage (it is data from a topic anyone can write).
 */
export function restoreRecord(value: Buffer | null, partition: number): ControlOf<'restore'> | string {
  if (value === null) return 'a tombstone';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'not an object';
  let c: Control;
  try {
    c = validateControl({ ...(parsed as Record<string, unknown>), v: 2, type: 'restore', token: 'changelog-restore-0' });
  } catch (err) {
    if (err instanceof ControlRecordError) return err.message;
    throw err;
  }
  if (c.type !== 'restore') return 'not a state';
  if (c.partition !== partition) return `the state of partition ${c.partition}, found in changelog partition ${partition}`;
  return c;
}

export function requireTransactional(changelog: string | undefined, args: Record<string, unknown>): void {
  if (changelog === undefined) return;
  if (!args['transactional']) throw new UsageError('--changelog needs --transactional: a partition\'s state must commit with the output and offsets of its batch');
  if (args['transactional-id'] !== undefined) {
    throw new UsageError('--changelog does not go with --transactional-id: each input partition has its own transactional id, sluice-<changelog>-<partition>, shared by all copies so that a partition\'s next owner fences the last');
  }
}
