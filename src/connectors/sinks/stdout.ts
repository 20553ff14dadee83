import type { SinkKind } from '../kinds.js';

export const stdoutSink: SinkKind = {
  name: 'stdout',
  describe: 'stdout: NDJSON data records for any tool, control records removed (the default)',
  options: [],
  dataOnlyStdout: true,
  build: (stdout) => ({ downstream: stdout }),
};
