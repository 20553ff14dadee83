// sink kafka without --key takes input lines of a layout it has seen as their
// messages (takeLine), without a record: it must take exactly the lines the
// ordinary path would send unchanged, leave every other line to that path
// (which reports a broken one), and send every line once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Producer } from 'kafkajs';
import { KafkaProducerSink } from '../../src/connectors/kafka/producer-sink.js';
import { withFastPaths } from '../helpers/fast-paths.js';
import { sentRecords } from '../helpers/kafka-sent.js';
import type { OutgoingMessage } from '../../src/connectors/kafka/produce-request.js';

/** The sink built with the fast paths on (takeLine is one; SLUICE_FAST=0 runs have it off). */
function sinkWithSends(keyField?: string, fast = true) {
  const sent: { key: string | null; value: string | null }[] = [];
  const producer = {
    send: async ({ messages }: { messages: OutgoingMessage[] }) => void sent.push(...(await sentRecords(messages))),
  } as unknown as Producer;
  const sink = withFastPaths(fast, () => new KafkaProducerSink({ producer, connected: Promise.resolve(), brokers: 'test', topic: 't', transactional: false, group: () => 'g', onUnserialisable: () => undefined, ...(keyField === undefined ? {} : { keyField }) }));
  return { sink, sent };
}

test('a line of a learned layout is taken as it is; others go the ordinary way', async () => {
  const { sink, sent } = sinkWithSends();
  const first = '{"word":"a","n":1}';
  assert.equal(sink.takeLine!(first), false, 'nothing learned yet');
  sink.data(JSON.parse(first), first); // the ordinary path: the record and its line
  const lines = ['{"word":"b","n":2}', '{"word":"c\\u00e9","n":-3.5e2}', '{"word":null,"n":true}'];
  for (const line of lines) assert.equal(sink.takeLine!(line), true, line);
  const refused = ['{"word":"b","n":2', '{"word":"b","n":2}x', '{"word":"b","n":01}', '{"n":2,"word":"b"}', '{"word":{"x":1},"n":2}', '{"word":"b", "n":2}', '{"word":"tab\there","n":1}'];
  for (const line of refused) assert.equal(sink.takeLine!(line), false, line);
  await sink.control({ type: 'eos' });
  assert.deepEqual(sent.map((m) => m.value), [first, ...lines]);
  assert.ok(sent.every((m) => m.key === null));
  assert.equal(sink.recordsOut, 4);
});

test('with --key, or with the fast paths off, every line goes the ordinary way', () => {
  const { sink } = sinkWithSends('word');
  assert.equal(sink.takeLine, undefined);
  assert.deepEqual(sink.readsFields, ['word'], 'only the key field is read from the record');
  assert.deepEqual(sinkWithSends('a.b').sink.readsFields, ['a'], 'a path: its top-level field');
  assert.equal(sinkWithSends(undefined, false).sink.takeLine, undefined);
});

test('takeLineBytes: the lines of a read with a learned layout are sent as their bytes, in order, up to the first other line', async () => {
  const { sink, sent } = sinkWithSends();
  const first = '{"word":"a","n":1}';
  const taken = ['{"word":"b","n":2}', '{"word":"c","n":-3.5e2}', '{"word":null,"n":true}'];
  // A space before a colon is no layout's: that line and the rest of the read go the ordinary way.
  const rest = ['{"word" : "b","n":2}', '{"word":"d","n":4}'];
  const read = Buffer.from([first, ...taken, ...rest].join('\n') + '\n');
  const end = read.length - 1;
  const r = sink.takeLineBytes!(read, 0, end, 1 << 20);
  assert.equal(r.lines, 1 + taken.length, 'the first line is learnt where it is met, and the read taken from it');
  assert.equal(r.to, [first, ...taken].join('\n').length + 1, 'stops at the line of no layout');
  // Non-ASCII lines of the same layout, taken to the end of the read.
  const unicode = ['{"word":"é","n":5}', '{"word":"日本","n":6}'];
  const read2 = Buffer.from(unicode.join('\n') + '\n');
  assert.deepEqual(sink.takeLineBytes!(read2, 0, read2.length - 1, 1 << 20), { to: read2.length, lines: 2 });
  const shapedLikeControl = Buffer.from('{"_sluice":"batch","id":1}\n');
  assert.equal(sink.takeLineBytes!(shapedLikeControl, 0, shapedLikeControl.length - 1, 1 << 20).lines, 0, 'a control-shaped line is never taken');
  await sink.control({ type: 'eos' });
  assert.deepEqual(sent.map((m) => m.value), [first, ...taken, ...unicode]);
  assert.ok(sent.every((m) => m.key === null));
  assert.equal(sink.recordsOut, 6);
});
