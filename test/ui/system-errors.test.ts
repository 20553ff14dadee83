import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { explainFailure } from '../../src/engine/system-errors.js';
import { sh } from '../helpers/run.js';

// Issue 13.4: raw Node errors become sentences that say what to do.
test('a port in use is one sentence that says what to do, exit 1', async () => {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const r = await sh(`sluice source socket --listen ${port} --host 127.0.0.1 > /dev/null`);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `sluice source: 127.0.0.1:${port} is already in use by another program: stop it, or choose another port (--listen 0 picks a free one)\n`);
  } finally {
    server.close();
  }
});

test('an output file in a missing directory names the path and what to check', async () => {
  const r = await sh(`echo '{"a":1}' | sluice sink file /nonexistent-dir/out.ndjson`);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'sluice sink: /nonexistent-dir/out.ndjson does not exist: check the path; the directory it names must exist\n');
  assert.doesNotMatch(r.stderr, /ENOENT/);
});

test('errors that are not the operating system\'s keep their message', () => {
  assert.equal(explainFailure(new Error('field x is not a number')), 'field x is not a number');
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 1 });
  assert.match(explainFailure(refused), /^nothing accepts connections on 127\.0\.0\.1:1: start the server first/);
});
