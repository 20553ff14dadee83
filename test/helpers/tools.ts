// External programs a test needs. A missing one skips the test loudly, naming
// the package to install; under CI=true it fails the test instead, so CI can
// never pass by skipping. The list of programs and packages is test/tools.txt,
// which .ci/run installs from.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { repoRoot } from './run.js';

type Body = (t: TestContext) => void | Promise<void>;
type Options = { timeout?: number; concurrency?: number | boolean };

const packages = new Map(
  readFileSync(join(repoRoot, 'test', 'tools.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.trim().split(/\s+/) as [string, string]),
);

const found = new Map<string, boolean>();

function onPath(tool: string): boolean {
  if (!packages.has(tool)) throw new Error(`test/tools.txt does not list '${tool}': add it with its Debian package`);
  let ok = found.get(tool);
  if (ok === undefined) {
    ok = spawnSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
    found.set(tool, ok);
  }
  return ok;
}

/** Why the tools cannot be used ("needs zsh, tmux: apt-get install zsh tmux"), or undefined when all are there. */
export function missingToolsReason(tools: string[]): string | undefined {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.map((t) => packages.get(t)!))];
  return `needs ${missing.join(', ')}, not installed: apt-get install ${pkgs.join(' ')}`;
}

function loud(name: string, reason: string): void {
  const line = `!!! SKIPPED '${name}': ${reason}`;
  process.stderr.write(`\n${'!'.repeat(Math.min(100, line.length))}\n${line}\n${'!'.repeat(Math.min(100, line.length))}\n`);
}

/** For use inside a test (before a subtest, or before the part that runs the tools): the skip reason, or throws under CI=true. */
export function skipUnlessTools(name: string, tools: string[]): string | false {
  const reason = missingToolsReason(tools);
  if (reason === undefined) return false;
  if (process.env['CI'] === 'true') throw new Error(`CI=true: '${name}' ${reason}`);
  loud(name, reason);
  return reason;
}

/** `test(name, options, body)` that needs external programs: runs, skips loudly, or (CI=true) fails. */
export function testNeeding(tools: string[], name: string, options: Options, body: Body): void {
  const reason = missingToolsReason(tools);
  if (reason === undefined) {
    test(name, options, body);
  } else if (process.env['CI'] === 'true') {
    test(name, options, () => {
      throw new Error(`CI=true: ${reason}`);
    });
  } else {
    loud(name, reason);
    test(name, { ...options, skip: reason }, body);
  }
}
