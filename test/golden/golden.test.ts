/**
 * Golden cases: each folder under test/cases/<command>/<case>/ holds `cmd` (a
 * shell line where `sluice` is the real bin), optional `input` (stdin),
 * `expout` (expected stdout), optional `experr` (expected stderr, exact) and
 * optional `exitcode` (default 0). SLUICE_GOLDEN_UPDATE=1 rewrites expout and
 * experr from the actual run, to be reviewed as a git diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sh, tempDir } from '../helpers/run.js';
import { testNeeding } from '../helpers/tools.js';

const casesRoot = join(repoRoot, 'test', 'cases');
const update = process.env['SLUICE_GOLDEN_UPDATE'] === '1';
/** Programs a case's cmd may run besides sluice and coreutils. */
const TOOLS = ['jq'];

function read(dir: string, name: string): string | undefined {
  const p = join(dir, name);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}

for (const command of readdirSync(casesRoot).sort()) {
  for (const name of readdirSync(join(casesRoot, command)).sort()) {
    const dir = join(casesRoot, command, name);
    const cmd = read(dir, 'cmd')!.trim();
    testNeeding(TOOLS.filter((t) => new RegExp(`\\b${t}\\b`).test(cmd)), `golden ${command}/${name}`, {}, async () => {
      const work = tempDir();
      const r = await sh(cmd, { cwd: work, input: read(dir, 'input') ?? '', env: { SLUICE_CASE_DIR: dir } });
      if (update) {
        writeFileSync(join(dir, 'expout'), r.stdout);
        if (r.stderr !== '' || existsSync(join(dir, 'experr'))) writeFileSync(join(dir, 'experr'), r.stderr);
        if ((r.code ?? 1) !== 0) writeFileSync(join(dir, 'exitcode'), `${r.code}\n`);
        return;
      }
      const expectedCode = Number((read(dir, 'exitcode') ?? '0').trim());
      assert.equal(r.code, expectedCode, `exit status; stderr: ${r.stderr}`);
      assert.equal(r.stdout, read(dir, 'expout') ?? '', 'stdout');
      const experr = read(dir, 'experr');
      assert.equal(r.stderr, experr ?? '', 'stderr');
    });
  }
}
