import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sh, sluiceBin, tempDir } from '../helpers/run.js';

// bin/sluice's first line is shell: it moves NODE_EXTRA_CA_CERTS aside so
// that Node does not parse certificates at start-up, and the CLI puts it back
// (src/engine/extra-ca-certs.ts). A file Node cannot load makes Node warn
// when it reads it, which shows whether it did.

const bin = JSON.stringify(sluiceBin);
const childSees = `sink exec -- sh -c 'echo "extra=\${NODE_EXTRA_CA_CERTS-unset} deferred=\${SLUICE_DEFERRED_CA_CERTS-unset}"; cat > /dev/null'`;

test('started as bin/sluice, Node does not read NODE_EXTRA_CA_CERTS; started as `node bin/sluice`, it does', async () => {
  const env = { NODE_EXTRA_CA_CERTS: '/nonexistent/extra.pem' };
  const direct = await sh(`echo '{"a":1}' | ${bin} sink`, { env });
  assert.equal(direct.code, 0, direct.stderr);
  assert.equal(direct.stdout, '{"a":1}\n');
  assert.equal(direct.stderr, '');
  const viaNode = await sh(`echo '{"a":1}' | node ${bin} sink`, { env });
  assert.equal(viaNode.code, 0, viaNode.stderr);
  assert.match(viaNode.stderr, /Ignoring extra certs from `\/nonexistent\/extra\.pem`/);
});

test('a child of a stage sees the environment as the user set it', async () => {
  for (const [set, expected] of [
    ['NODE_EXTRA_CA_CERTS=/nonexistent/extra.pem', 'extra=/nonexistent/extra.pem deferred=unset'],
    ['NODE_EXTRA_CA_CERTS=', 'extra= deferred=unset'],
    ['unset NODE_EXTRA_CA_CERTS;', 'extra=unset deferred=unset'],
  ]) {
    const prefix = set.startsWith('unset') ? set : `export ${set};`;
    const r = await sh(`${prefix} echo '{"a":1}' | ${bin} ${childSees}`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), expected, set);
  }
});

test('the launcher works through a symbolic link from another directory (npm link, npm install -g)', async () => {
  const dir = tempDir('sluice-launcher-');
  mkdirSync(join(dir, 'bin'));
  symlinkSync(sluiceBin, join(dir, 'bin', 'sluice'));
  const r = await sh(`cd / && echo '{"a":1}' | ${JSON.stringify(join(dir, 'bin', 'sluice'))} sink`, { env: { NODE_EXTRA_CA_CERTS: '/nonexistent/extra.pem' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '{"a":1}\n');
  assert.equal(r.stderr, '');
});

test('`--tls` without --tls-ca reads a deferred NODE_EXTRA_CA_CERTS, and names it when it cannot', async () => {
  const r = await sh(`echo '{"a":1}' | ${bin} sink kafka --brokers 127.0.0.1:1 --topic t --tls`, { env: { NODE_EXTRA_CA_CERTS: '/nonexistent/extra.pem' } });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr, 'sluice sink: NODE_EXTRA_CA_CERTS: cannot read /nonexistent/extra.pem: ENOENT\n');
});
