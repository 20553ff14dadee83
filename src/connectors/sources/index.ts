import type { SourceKind } from '../kinds.js';
import { dirSource } from './dir.js';
import { fileSource } from './file.js';
import { kafkaSource } from './kafka.js';
import { rateKind } from './rate-kind.js';
import { socketSource } from './socket.js';
import { stdinSource } from './stdin.js';

/** Every kind of `sluice source`. Add new kinds here. */
export const sourceKinds: SourceKind[] = [stdinSource, fileSource, dirSource, socketSource, rateKind, kafkaSource];
