// Loads the CLI's bundle (dist/bundle/sluice.cjs, a CommonJS function body)
// with a V8 code cache: compiling the ~950 KB file was about 15-35 ms of every
// stage's start-up, and Node 20 keeps no compilation of an ES module. The
// cache is written next to the bundle by the first run that finds none (or
// finds it rejected: another Node version), at exit, so it also holds the
// functions that run compiled; where the directory is read-only, sluice runs
// without one. V8 checks a cache against the source's length, not its text,
// so the file's name carries the bundle's size and modification time.
'use strict';
const { accessSync, closeSync, constants, fstatSync, openSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'bundle', 'sluice.cjs');

function loadBundle() {
  const fd = openSync(bundle, 'r');
  let source;
  let stat;
  try {
    stat = fstatSync(fd);
    source = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const cacheFile = `${bundle}.${stat.size}-${Math.round(stat.mtimeMs)}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    /* none yet */
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  if ((cachedData === undefined || script.cachedDataRejected) && writable(dirname(bundle))) process.once('exit', () => saveCache(script, cacheFile));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}

function writable(dir) {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function saveCache(script, file) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, file);
  } catch {
    /* a read-only install runs without a cache */
  }
}

module.exports = { loadBundle };
