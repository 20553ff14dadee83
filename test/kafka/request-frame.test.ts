// The request framing that replaces kafkajs's protocol/request (request-frame.ts)
// must give kafkajs 2.2.4's bytes for every request: any api key, version,
// correlation id, client id (none, unicode) and body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { requestFrame, type FramedRequest } from '../../src/connectors/kafka/request-frame.js';

const require = createRequire(import.meta.url);
const kafkajsRequest = require('kafkajs/src/protocol/request') as (r: FramedRequest) => Promise<{ buffer: Buffer }>;

test('same frame bytes as kafkajs 2.2.4 for any request', async () => {
  const args = fc.record({
    correlationId: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    clientId: fc.oneof(fc.constant(null), fc.string({ maxLength: 30 }), fc.fullUnicodeString({ maxLength: 10 })),
    apiKey: fc.nat(70),
    apiVersion: fc.nat(15),
    body: fc.uint8Array({ maxLength: 3000 }),
    cuts: fc.array(fc.nat(3000), { maxLength: 4 }),
  });
  await fc.assert(
    fc.asyncProperty(args, async ({ correlationId, clientId, apiKey, apiVersion, body, cuts }) => {
      const request = { apiKey, apiVersion, encode: async () => ({ buf: Buffer.from(body), buffer: Buffer.from(body) }) };
      const theirs = await kafkajsRequest({ correlationId, clientId, request });
      assert.deepEqual((await requestFrame({ correlationId, clientId, request })).buffer, theirs.buffer);
      // A body in parts (sluice's produce request) is the same frame.
      const at = [0, ...cuts.map((c) => c % (body.length + 1)).sort((a, b) => a - b), body.length];
      const parts = at.slice(1).map((to, i) => Buffer.from(body.subarray(at[i]!, to)));
      const inParts = { apiKey, apiVersion, encode: async () => ({ buffer: Buffer.concat(parts), parts }) };
      assert.deepEqual((await requestFrame({ correlationId, clientId, request: inParts })).buffer, theirs.buffer);
    }),
    { numRuns: 500 },
  );
});
