import { stdinIsFile, stdinModifiedAt } from '../../engine/stdin-kind.js';
import type { SourceKind } from '../kinds.js';
import { pumpStream, reportUnframed } from './read-stream.js';

export const stdinSource: SourceKind = {
  name: 'stdin',
  describe: 'stdin: lines from standard input (the default); bounded when stdin is a regular file',
  options: [],
  bounded: () => stdinIsFile(),
  boundedAt: () => stdinModifiedAt(),
  run: ({ driver, io, settle, onStop }) => pumpStream(io.stdin, driver.openInput('stdin'), settle, onStop, reportUnframed('stdin', io)),
};
