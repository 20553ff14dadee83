// Issue 14.3: state per source partition. The protocol records that carry it
// (assign, part, restore, state) are validated like every control field, and
// reduce-by-key --partition-state keeps, passes on and restores one state per
// partition, so a partition's state can move to another copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControlRecordError, validateControl, type Control } from '../../src/engine/control.js';
import { ReduceByKeyOperator } from '../../src/engine/operators/reduce-by-key.js';
import { PartitionedState } from '../../src/engine/operators/partitioned-state.js';
import { PartitionTransactions } from '../../src/connectors/kafka/partition-transactions.js';
import { sh } from '../helpers/run.js';
import { at, feed, Harness, T0 } from '../window/harness.js';

const TOKEN = '0123456789abcdef0123456789abcdef';
const body = (b: Record<string, unknown>) => ({ v: 2, token: TOKEN, ...b });

test('assign, part, restore and state records are validated field by field', () => {
  assert.deepEqual(validateControl(body({ type: 'assign', topic: 'in.t-1', partitions: [0, 3] })), { type: 'assign', topic: 'in.t-1', partitions: [0, 3] });
  const member = 'sluice-source-g-5d2c8e4a-0b5e-4c1a-9d7f-1f2e3d4c5b6a';
  assert.deepEqual(validateControl(body({ type: 'assign', topic: 't', partitions: [], member })), { type: 'assign', topic: 't', partitions: [], member });
  assert.deepEqual(validateControl(body({ type: 'part', partition: 2 })), { type: 'part', partition: 2 });
  const state = { type: 'state', partition: 1, stage: 'reduce-by-key', offset: '18446744073709551', state: { kind: 'x' } };
  assert.deepEqual(validateControl(body(state)), state);
  assert.deepEqual(validateControl(body({ ...state, type: 'restore', offset: 7 })), { ...state, type: 'restore', offset: 7 });
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ type: 'assign', topic: '../etc', partitions: [0] }, /assign: topic "..\/etc" is not a Kafka topic name/],
    [{ type: 'assign', topic: 't', partitions: [0, 0] }, /partitions \[0,0\] is not a list of distinct partition numbers/],
    [{ type: 'assign', topic: 't', partitions: [-1] }, /partitions/],
    [{ type: 'assign', topic: 't' }, /partitions/],
    [{ type: 'assign', topic: 't', partitions: [0], member: 'a b' }, /assign: member "a b" is not a consumer-group member id/],
    [{ type: 'part', partition: 1.5 }, /part: partition 1.5 is not a partition number/],
    [{ ...state, stage: 'a/b' }, /state: stage "a\/b" is not a stage name/],
    [{ ...state, offset: -1 }, /state: offset -1 is not a Kafka offset/],
    [{ ...state, offset: '1e3' }, /offset "1e3"/],
    [{ ...state, state: [1] }, /state: state \[1\] is not an object/],
    [{ ...state, type: 'restore', partition: 'x' }, /restore: partition "x"/],
  ];
  for (const [b, message] of refused) assert.throws(() => validateControl(body(b)), (err: Error) => err instanceof ControlRecordError && message.test(err.message), JSON.stringify(b));
});

test('a malformed part record from the upstream stage is a clear error, exit 1', async () => {
  const start = `{"__sluice":{"v":2,"type":"start","token":"${TOKEN}","interval":1000,"bounded":true}}`;
  const part = `{"__sluice":{"v":2,"type":"part","token":"${TOKEN}","partition":-2}}`;
  const r = await sh(`printf '%s\\n' '${start}' '${part}' '{"k":"a"}' | sluice reduce-by-key k --count --partition-state`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^sluice reduce-by-key: stdin:2: bad control record from the upstream sluice stage: part: partition -2 is not a partition number$/m);
});

test('--partition-state refuses --checkpoint and --parallel, and --state-name needs it', async () => {
  for (const [cmd, message] of [
    ['reduce-by-key k --count --partition-state --checkpoint d', /does not go with --checkpoint/],
    ['reduce-by-key k --count --partition-state --parallel 2', /cannot be combined with --parallel/],
    ['reduce-by-key k --count --state-name x', /--state-name needs --partition-state/],
    ['reduce-by-key k --count --partition-state --progress', /does not report --progress yet/],
    ['reduce-by-key k --count --partition-state --state-name a/b', /--state-name 'a\/b' must be/],
  ] as const) {
    const r = await sh(`printf '' | sluice ${cmd}`);
    assert.equal(r.code, 2, cmd);
    assert.match(r.stderr, message);
  }
});

test('--changelog needs the transactional sink, and the source leaves its offsets to it', async () => {
  const sink = await sh(`printf '' | sluice sink kafka --brokers 127.0.0.1:9 --topic out --changelog cl`);
  assert.equal(sink.code, 2);
  assert.match(sink.stderr, /--changelog needs --transactional/);
  const id = await sh(`printf '' | sluice sink kafka --brokers 127.0.0.1:9 --topic out --transactional --transactional-id x --changelog cl`);
  assert.equal(id.code, 2);
  assert.match(id.stderr, /--changelog does not go with --transactional-id: each input partition has its own transactional id/);
  const source = await sh(`sluice source kafka --brokers 127.0.0.1:9 --topic in --changelog cl`);
  assert.equal(source.code, 2);
  assert.match(source.stderr, /--changelog needs --commit-offsets none/);
  const bad = await sh(`sluice source kafka --brokers 127.0.0.1:9 --topic in --commit-offsets none --changelog 'a/b'`);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a valid Kafka topic name/);
});

const win = (s: number) => ({ start: at(s), end: at(s + 10) });
const positions = (offsets: Record<number, number>) => Object.fromEntries(Object.entries(offsets).map(([p, o]) => [`kafka:in:${p}`, o]));

function copy(h: Harness): PartitionedState {
  return new PartitionedState((out) => new ReduceByKeyOperator({ key: { fields: ['k'] }, aggregates: [{ kind: 'count' }], mode: 'append' }, out, h.ctx), 'counts', h);
}

test('reduce-by-key --partition-state: rows come out per partition at the boundary, with the state of each changed partition', async () => {
  const h = new Harness();
  const op = copy(h);
  await op.control({ type: 'start', token: TOKEN, interval: 1000, bounded: false });
  await op.control({ type: 'assign', topic: 'in', partitions: [0, 1] });
  await op.control({ type: 'part', partition: 0 });
  feed(op, { k: 'a', window: win(0) });
  feed(op, { k: 'a', window: win(0) });
  await op.control({ type: 'part', partition: 1 });
  feed(op, { k: 'b', window: win(0) });
  await op.control({ type: 'batch', id: 0, start: T0, end: T0 + 1000, positions: positions({ 0: 2, 1: 1 }) });
  const states = h.controls.filter((c): c is Extract<Control, { type: 'state' }> => c.type === 'state');
  assert.deepEqual(states.map((s) => [s.partition, s.stage, s.offset]), [[0, 'counts', 2], [1, 'counts', 1]]);
  assert.deepEqual(h.rows, [], 'append mode: nothing before the watermark');
  assert.deepEqual(h.controls.map((c) => c.type), ['start', 'assign', 'state', 'state', 'batch'], 'part markers stop here; the batch follows the states');

  // Partition 1 moves to a new copy: its state is restored there, and the count goes on from it.
  const h2 = new Harness();
  const next = copy(h2);
  await next.control({ type: 'start', token: TOKEN, interval: 1000, bounded: false });
  await next.control({ type: 'assign', topic: 'in', partitions: [1] });
  await next.control({ type: 'restore', partition: 1, stage: 'counts', offset: 1, state: states[1]!.state });
  await next.control({ type: 'part', partition: 1 });
  feed(next, { k: 'b', window: win(0) });
  await next.control({ type: 'watermark', t: T0 + 10_000 });
  await next.control({ type: 'batch', id: 5, start: T0, end: T0 + 1000, positions: positions({ 1: 2 }) });
  assert.deepEqual(h2.rows.map((r) => [r['k'], r['count']]), [['b', 2]]);
  const types = h2.controls.map((c) => c.type);
  assert.deepEqual(types, ['start', 'assign', 'watermark', 'part', 'state', 'batch'], 'the rows follow a part marker, before the state and the batch');
  assert.deepEqual(h2.controls[3], { type: 'part', partition: 1 });

  // The old copy loses partition 1: its state and held rows are dropped, partition 0's stay.
  await op.control({ type: 'assign', topic: 'in', partitions: [0] });
  await op.control({ type: 'watermark', t: T0 + 10_000 });
  await op.control({ type: 'batch', id: 1, start: T0 + 1000, end: T0 + 2000, positions: positions({ 0: 2 }) });
  assert.deepEqual(h.rows.map((r) => [r['k'], r['count']]), [['a', 2]]);
});

test('reduce-by-key --partition-state: a record of a partition not assigned, or restored state of one, is an error', async () => {
  const op = copy(new Harness());
  await op.control({ type: 'assign', topic: 'in', partitions: [0] });
  assert.throws(() => op.control({ type: 'part', partition: 3 }), /a record of partition 3, which the source has not assigned/);
  assert.throws(() => op.control({ type: 'restore', partition: 2, stage: 'counts', offset: 0, state: {} }), /restored state of partition 2/);
  await op.control({ type: 'assign', topic: 'in', partitions: [0, 2] });
  assert.throws(
    () => op.control({ type: 'restore', partition: 2, stage: 'counts', offset: 0, state: { kind: 'sluice.reduce-by-key', v: 1, mode: 'update', aggregates: ['count'] } }),
    /the changelog's state of partition 2 for counts cannot be restored: checkpointed reduce-by-key state was made with --mode update/,
  );
  // Another stage's state passes through untouched.
  const h = new Harness();
  const other = copy(h);
  await other.control({ type: 'restore', partition: 2, stage: 'window', offset: 0, state: {} });
  assert.equal(h.controls[0]?.type, 'restore');
});

test('reduce-by-key without --partition-state, and session windows, refuse a stream whose source keeps partition state', async () => {
  const start = `{"__sluice":{"v":2,"type":"start","token":"${TOKEN}","interval":1000,"bounded":false}}`;
  const assign = `{"__sluice":{"v":2,"type":"assign","token":"${TOKEN}","topic":"in","partitions":[0]}}`;
  const reduce = await sh(`printf '%s\\n' '${start}' '${assign}' | sluice reduce-by-key k --count`);
  assert.equal(reduce.code, 1);
  assert.match(reduce.stderr, /^sluice reduce-by-key: .*the source keeps state per Kafka partition \(--changelog\): give reduce-by-key --partition-state$/m);
  const session = await sh(`printf '%s\\n' '${start}' '${assign}' | sluice window --session 5s --time-field ts`);
  assert.equal(session.code, 1);
  assert.match(session.stderr, /session windows cannot keep state per Kafka partition yet/);
  const tumbling = await sh(`printf '%s\\n' '${start}' '${assign}' | sluice window 5s --time-field ts --data-only`);
  assert.equal(tumbling.code, 1, 'the stream lacks eos');
  assert.doesNotMatch(tumbling.stderr, /partition/);
});

test('without assign (not a Kafka source with --changelog) reduce-by-key --partition-state counts as usual', async () => {
  const r = await sh(`printf '%s\\n' a b a | sluice source | sluice reduce-by-key value --count --partition-state | sluice sink`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).map((x) => [x['value'], x['count']]), [['a', 2], ['b', 1]]);
});

test('sink kafka --changelog: state restored for a stage no --partition-state stage took is reported once, and rows need a partition marker', async () => {
  const unclaimed: string[] = [];
  const sink = new PartitionTransactions({
    connected: Promise.resolve(),
    producer: () => assert.fail('nothing is committed here'),
    topic: 'out',
    changelog: 'cl',
    group: () => 'g',
    onUnserialisable: (err) => assert.fail(err),
    onFenced: () => assert.fail('no fence'),
    onUnclaimedState: (stage) => unclaimed.push(stage),
    owns: async () => false,
  });
  for (const partition of [0, 1]) await sink.control({ type: 'restore', partition, stage: 'old-name', offset: 3, state: {} });
  assert.deepEqual(unclaimed, ['old-name']);
  assert.throws(() => sink.data({ a: 1 }, undefined), /a record that no partition marker attributes to an input partition/);
});
