// Required by bin/sluice before anything else, so the flags hold from the start.
// Stages keep little live data but allocate fast: let V8 grow the heap slowly
// (about 20% less resident memory at the same speed; docs/PERFORMANCE.md).
// Deliberately no heap cap, and no re-exec (that would break signal handling).
'use strict';
const { setFlagsFromString } = require('node:v8');

setFlagsFromString('--optimize-for-size');
