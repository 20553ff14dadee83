import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addedMembers, canonicalProjection, isCanonicalLine, mapSpliceOf, spliceMembers } from '../../src/engine/fast/map-splice.js';
import { withFastPaths } from '../helpers/fast-paths.js';

// A map ({...r, k: e}) splices its added fields into canonical input lines (src/engine/fast/map-splice.ts).

test('mapSpliceOf: spread of r first, then plain keys; the added fields alone read some fields', () => {
  withFastPaths(true, () => {
    assert.deepEqual(mapSpliceOf('({...r, kb: Math.floor(r.bytes / 1024), ok: r.status < 400})'), {
      added: '({kb: Math.floor(r.bytes / 1024), ok: r.status < 400})',
      keys: ['kb', 'ok'],
      reads: ['bytes', 'status'],
    });
    assert.deepEqual(mapSpliceOf('({ ...r, "a b": 1 })')?.keys, ['a b']);
    for (const other of ['({...r})', '({x: 1, ...r})', '({...r, ...r.o})', '({...r, [k]: 1})', '({...r, f() {}})', '({...r, get g() { return 1; }})', '({...r, x: 1, x: 2})', '({...r, "0": 1})', '({...r, __proto__: null})', '({...r, x: r})', '({...r, x: r.valueOf()})', '({...q, x: 1})']) {
      assert.equal(mapSpliceOf(other), undefined, other);
    }
  });
  assert.equal(withFastPaths(false, () => mapSpliceOf('({...r, x: 1})')), undefined);
});

const key = fc.oneof(fc.constantFrom('a', 'b', '1', '01', '__proto__', 'x y', 'é', ''), fc.string({ maxLength: 3 }));
const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('"', '\\', '\n', '\u2028', '😀'), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(-0, 1e21, 1e-7, 123456789012345678));
const lineArb = fc.oneof(
  fc.dictionary(key, fc.oneof({ weight: 5, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }), { maxKeys: 5 }).map((r) => JSON.stringify(r)),
  fc.array(fc.tuple(key, fc.constantFrom('1', '1.0', '-0', '1e3', '0.5', '05', '"s"', 'true', 'null', '[]', '-12', '1E2', '"a\\u0041"')), { maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  fc.constantFrom('{ "a":1}', '{"a" :1}', '{"a":1 }', '{}', '{"a":1,"a":2}', '{"b":1,"1":2}'),
);

test('isCanonicalLine: only lines JSON.stringify(JSON.parse(line)) gives back, without the added keys', () => {
  fc.assert(
    fc.property(lineArb, fc.uniqueArray(key, { maxLength: 2 }), (line, keys) => {
      if (!isCanonicalLine(line, keys)) return;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.equal(JSON.stringify(parsed), line);
      for (const k of keys) assert.ok(!Object.hasOwn(parsed, k), `${line} has ${k}`);
    }),
    { numRuns: 5000 },
  );
  assert.ok(isCanonicalLine('{"ts":"2026-11-20T10:00:00.000Z","status":200,"bytes":-5,"x":0.5,"ok":true,"n":null}', ['kb']));
});

test('spliced lines equal JSON.stringify of the spread', () => {
  fc.assert(
    fc.property(lineArb, fc.dictionary(fc.constantFrom('kb', 'ok', 'z z'), fc.oneof(scalar, fc.constant(undefined))), (line, added) => {
      if (!isCanonicalLine(line, Object.keys(added))) return;
      assert.equal(spliceMembers(line, addedMembers(added)), JSON.stringify({ ...(JSON.parse(line) as object), ...added }));
    }),
    { numRuns: 5000 },
  );
});

test('canonicalProjection: the wanted fields as JSON.parse reads them, from canonical lines only', () => {
  fc.assert(
    fc.property(lineArb, fc.uniqueArray(key, { maxLength: 3 }), fc.uniqueArray(fc.constantFrom('kb', 'z z', 'a'), { maxLength: 2 }), (line, fields, keys) => {
      const got = canonicalProjection(line, fields, keys);
      assert.equal(got !== undefined, isCanonicalLine(line, keys), line);
      if (got === undefined) return;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      assert.deepStrictEqual(got, Object.fromEntries(fields.filter((f) => Object.hasOwn(parsed, f)).map((f) => [f, parsed[f]])));
    }),
    { numRuns: 5000 },
  );
});
