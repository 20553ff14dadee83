import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitPipeline } from '../../src/commands/run-parse.js';

test('splitPipeline: stages and words with shell quoting', () => {
  assert.deepEqual(splitPipeline(`source file a.txt | map --flat 'r.value.split(" ")' | sink`), [
    ['source', 'file', 'a.txt'],
    ['map', '--flat', 'r.value.split(" ")'],
    ['sink'],
  ]);
  assert.deepEqual(splitPipeline(`filter "r.a === \\"x|y\\""|map r`), [['filter', 'r.a === "x|y"'], ['map', 'r']]);
  assert.deepEqual(splitPipeline(`map 'a'"b"c\\ d`), [['map', 'abc d']]);
  assert.deepEqual(splitPipeline(`map ''`), [['map', '']]);
});

test('splitPipeline: unterminated quotes and empty stages are usage errors', () => {
  assert.throws(() => splitPipeline(`map 'r`), /unterminated '/);
  assert.throws(() => splitPipeline(`map "r`), /unterminated "/);
  assert.throws(() => splitPipeline(`map r | | sink`), /empty stage/);
  assert.throws(() => splitPipeline(`map r |`), /empty stage/);
});
