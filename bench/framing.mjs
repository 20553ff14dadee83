#!/usr/bin/env node
// Framing micro-bench: read an NDJSON file and JSON.parse every line, with
// sluice's LineFramer, split2, or the ndjson package. Prints the record count.
// Usage: node bench/framing.mjs lineframer|split2|ndjson FILE
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { LineFramer } from '../dist/src/engine/framing.js';

const require = createRequire(import.meta.url);
const [how, file] = process.argv.slice(2);
let count = 0;
const done = () => process.stdout.write(`${count}\n`);
const input = createReadStream(file, { highWaterMark: 1 << 20 });

if (how === 'lineframer') {
  const framer = new LineFramer(
    {
      line: (text) => {
        if (text.length > 0) JSON.parse(text), count++;
      },
      oversize: () => undefined,
      invalidUtf8: () => undefined,
    },
    { maxLineBytes: 16 << 20 },
  );
  input.on('data', (chunk) => framer.push(chunk)).on('end', () => (framer.end(), done()));
} else if (how === 'split2') {
  const split2 = require('split2');
  input.pipe(split2(JSON.parse)).on('data', () => count++).on('end', done);
} else if (how === 'ndjson') {
  const ndjson = require('ndjson');
  input.pipe(ndjson.parse()).on('data', () => count++).on('end', done);
} else {
  process.stderr.write('usage: framing.mjs lineframer|split2|ndjson FILE\n');
  process.exitCode = 2;
}
