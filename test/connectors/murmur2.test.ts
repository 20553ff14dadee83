import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { murmur2, partitionFor, toPositive } from '../../src/engine/murmur2.js';

const utf8 = (s: string) => Buffer.from(s, 'utf8');

test('murmur2: the vectors of Kafka\'s own UtilsTest (Java Utils.murmur2)', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, hash] of cases) assert.equal(murmur2(utf8(key)), hash, key);
});

test('murmur2: partitions as the Java default partitioner picks them; toPositive is not abs', () => {
  // toPositive(-973932308) = 1173551340
  assert.equal(toPositive(-973932308), 1173551340);
  assert.equal(partitionFor('21', 4), 1173551340 % 4);
  assert.equal(partitionFor('foobar', 3), toPositive(-790332482) % 3);
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(partitionFor('', 7), toPositive(murmur2(new Uint8Array(0))) % 7);
});

test('murmur2: agrees with kafkajs (a port of the Java partitioner) on random keys of every length', () => {
  const require = createRequire(import.meta.url);
  const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;
  for (let len = 0; len < 64; len++) {
    for (let n = 0; n < 20; n++) {
      const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(Math.random() * 256)));
      assert.equal(murmur2(bytes), kafkajsMurmur2(bytes), bytes.toString('hex'));
    }
  }
  assert.equal(murmur2(utf8('ünïcödé κλειδί')), kafkajsMurmur2(utf8('ünïcödé κλειδί')));
});
