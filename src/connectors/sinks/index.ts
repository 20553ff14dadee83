import type { SinkKind } from '../kinds.js';
import { consoleSinkKind } from './console.js';
import { execSinkKind } from './exec.js';
import { fileSinkKind } from './file.js';
import { kafkaSinkKind } from './kafka.js';
import { stdoutSink } from './stdout.js';

/** Every kind of `sluice sink`. Add new kinds here. */
export const sinkKinds: SinkKind[] = [stdoutSink, consoleSinkKind, fileSinkKind, execSinkKind, kafkaSinkKind];
