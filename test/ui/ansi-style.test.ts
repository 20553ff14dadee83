// sluice's console styles are written as chalk 5 wrote them at level 1 (the
// console sink used chalk until its start-up cost counted, issue 12); chalk
// stays a dev dependency so that this test can compare the two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Chalk } from 'chalk';
import { ansiStyle, bold, cyan, dim } from '../../src/engine/terminal/ansi-style.js';

const chalk = new Chalk({ level: 1 });
const pairs: [string, (t: string) => string, (t: string) => string][] = [
  ['bold.cyan', ansiStyle(bold, cyan), (t) => chalk.bold.cyan(t)],
  ['dim', ansiStyle(dim), (t) => chalk.dim(t)],
  ['bold.dim', ansiStyle(bold, dim), (t) => chalk.bold.dim(t)],
  ['cyan', ansiStyle(cyan), (t) => chalk.cyan(t)],
];

// Texts made of the pieces that matter: line breaks, carriage returns, the styles' own codes, other escapes, plain and wide characters.
const piece = fc.constantFrom('a', 'Batch: 1', ' ', '\n', '\r', '\r\n', '\x1b[22m', '\x1b[39m', '\x1b[1m', '\x1b[36m', '\x1b[0m', '\x1b', 'é', '日本', '');
const text = fc.array(piece, { maxLength: 12 }).map((p) => p.join(''));

test('ansiStyle writes what chalk 5 writes at level 1, for any text', () => {
  for (const [name, ours, theirs] of pairs) {
    for (const t of ['', 'Batch: 0', 'a\nb', 'a\r\nb\n', '\x1b[22mx\x1b[39m', '\n']) assert.equal(ours(t), theirs(t), `${name} of ${JSON.stringify(t)}`);
    fc.assert(fc.property(text, (t) => ours(t) === theirs(t)), { numRuns: 2000 });
  }
});
