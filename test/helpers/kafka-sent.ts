// What a producer send carries, read back by kafkajs's own record batch decoder:
// sink kafka hands kafkajs either message objects or a message array standing
// for a record run (src/connectors/kafka/record-run.ts), whose elements are placeholders.
import { createRequire } from 'node:module';
import { encodeRecordBatch, type OutgoingMessage } from '../../src/connectors/kafka/produce-request.js';
import { crc32c } from '../../src/connectors/kafka/crc32c.js';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<{ records: { key: Buffer | null; value: Buffer | null }[] }>;

/** The keys and values (as text) of a send's messages, as the broker would store them. */
export async function sentRecords(messages: OutgoingMessage[]): Promise<{ key: string | null; value: string | null }[]> {
  const batch = encodeRecordBatch(messages, { now: 0, producerId: -1n, producerEpoch: 0, firstSequence: 0, transactional: false, crc32c });
  const { records } = await decodeBatch(new Decoder(batch));
  return records.map((r) => ({ key: r.key === null ? null : r.key.toString('utf8'), value: r.value === null ? null : r.value.toString('utf8') }));
}
