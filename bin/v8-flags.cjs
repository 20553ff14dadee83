// V8 flags for a stage. Stages keep little live data but allocate fast: V8
// is told to grow the heap slowly (less resident memory for stateful stages,
// at a CPU cost for large states; measurements in docs/PERFORMANCE.md, 4b). Deliberately no heap cap, and no re-exec (that
// would break signal handling).
//
// bin/sluice sets them once the CLI is loaded, not before: V8 takes a code
// cache only if it was made under the same flags, and Node's own modules come
// with caches made under V8's defaults, so every built-in module loaded under
// --optimize-for-size was compiled from its source (about 7 ms of every
// start-up). The bundle's cache must be made under the defaults too, so the
// one run that writes it (bin/load-bundle.cjs) keeps them; setting a flag and
// unsetting it again does not give V8's defaults back.
'use strict';
const { setFlagsFromString } = require('node:v8');

function setRunFlags() {
  setFlagsFromString('--optimize-for-size');
}

module.exports = { setRunFlags };
