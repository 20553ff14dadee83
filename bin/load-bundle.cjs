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

/**
 * The CLI's module, and whether this process writes the code cache at exit (it
 * then must keep V8's flags as they are at start-up: bin/v8-flags.cjs).
 */
function loadBundle() {
  const { exports, makesCache } = loadCached(bundle);
  return { cli: exports, makesCache };
}

/**
 * A CommonJS file compiled with its V8 code cache (written at exit when there
 * is none, or it was rejected): also the Kafka client's bundle
 * (src/connectors/kafka/kafkajs-library.ts), which is loaded only by the Kafka
 * connectors. Returns its exports, and whether this process writes its cache.
 */
function loadCached(file) {
  const fd = openSync(file, 'r');
  let source;
  let stat;
  try {
    stat = fstatSync(fd);
    source = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const cacheFile = `${file}.${stat.size}-${Math.round(stat.mtimeMs)}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    /* none yet */
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const makesCache = (cachedData === undefined || script.cachedDataRejected) && writable(dirname(file));
  if (makesCache) process.once('exit', () => saveCache(script, cacheFile));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, makesCache };
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

module.exports = { loadBundle, loadCached };
