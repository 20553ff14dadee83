import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { valueFromEnvironment } from '../../src/commands/env-defaults.js';
import { commands } from '../../src/commands/index.js';
import type { OptionSpec } from '../../src/spec.js';
import { records, repoRoot, sh } from '../helpers/run.js';

const BAD_INPUT = '{"a":1}\nnot json\n{"a":2}\n';

test('configuration: the flag beats the environment, which beats the default', async () => {
  // default --on-error fail: the bad line stops the stage
  const byDefault = await sh(`sluice filter true`, { input: BAD_INPUT });
  assert.equal(byDefault.code, 1);
  // SLUICE_ON_ERROR=skip: counted and skipped
  const byEnv = await sh(`sluice filter true`, { input: BAD_INPUT, env: { SLUICE_ON_ERROR: 'skip' } });
  assert.equal(byEnv.code, 0, byEnv.stderr);
  assert.deepEqual(records(byEnv.stdout), [{ a: 1 }, { a: 2 }]);
  assert.match(byEnv.stderr, /1 bad record skipped/);
  // the flag wins over the environment
  const byFlag = await sh(`sluice filter true --on-error fail`, { input: BAD_INPUT, env: { SLUICE_ON_ERROR: 'skip' } });
  assert.equal(byFlag.code, 1);

  // A number from the environment is a number, and the flag still wins.
  const long = '{"text":"' + 'x'.repeat(100) + '"}\n';
  const envLimit = await sh(`sluice filter true --on-error skip`, { input: long, env: { SLUICE_MAX_LINE_BYTES: '50' } });
  assert.equal(envLimit.stdout, '');
  assert.match(envLimit.stderr, /--max-line-bytes 50/);
  const flagLimit = await sh(`sluice filter true --on-error skip --max-line-bytes 1000`, { input: long, env: { SLUICE_MAX_LINE_BYTES: '50' } });
  assert.equal(flagLimit.stdout, long);
});

test('an environment value the flag would refuse is a usage error naming the variable', async () => {
  const r = await sh(`sluice filter true`, { input: '{}\n', env: { SLUICE_MAX_LINE_BYTES: 'lots' } });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "sluice filter: environment SLUICE_MAX_LINE_BYTES=lots: --max-line-bytes takes a number\nTry 'sluice filter --help'.\n");
  const sw = await sh(`sluice filter true`, { input: '{}\n', env: { SLUICE_STATUS: 'maybe' } });
  assert.equal(sw.code, 2);
  assert.match(sw.stderr, /SLUICE_STATUS=maybe: --status is a switch/);
});

test('environment values are typed like the flag; empty means unset', () => {
  const o = (type: OptionSpec['type'], extra: Partial<OptionSpec> = {}): OptionSpec => ({ name: 'x', type, describe: '', env: 'X', ...extra });
  assert.equal(valueFromEnvironment(o('boolean'), { X: 'yes' }), true);
  assert.equal(valueFromEnvironment(o('boolean'), { X: '0' }), false);
  assert.equal(valueFromEnvironment(o('number'), { X: '1e3' }), 1000);
  assert.deepEqual(valueFromEnvironment(o('array'), { X: 'a, b,,c' }), ['a', 'b', 'c']);
  assert.equal(valueFromEnvironment(o('string'), { X: '' }), undefined);
  assert.equal(valueFromEnvironment(o('string'), {}), undefined);
  assert.throws(() => valueFromEnvironment(o('string', { choices: ['a', 'b'] }), { X: 'c' }), /X=c: --x is one of a, b/);
});

test('every option with an environment variable says so in --help and in its man page', async () => {
  const withEnv = commands.filter((c) => c.options.some((o) => o.env));
  assert.ok(withEnv.length >= 3);
  for (const c of withEnv) {
    const help = await sh(`sluice ${c.name} --help`);
    assert.equal(help.code, 0);
    const flat = help.stdout.replace(/\s+/g, ' ');
    const man = readFileSync(`${repoRoot}/man/sluice-${c.name}.1`, 'utf8').replace(/\\-/g, '-');
    for (const o of c.options.filter((x) => x.env)) {
      assert.ok(flat.includes(`[default: $${o.env}`), `sluice ${c.name} --help does not mention ${o.env}`);
      assert.ok(man.includes(`environment: ${o.env}`), `man sluice-${c.name} does not mention ${o.env}`);
    }
  }
});

test('sluice --version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as { version: string };
  const r = await sh('sluice --version');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${pkg.version}\n`);
});
