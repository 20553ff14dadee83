import { parseDuration } from '../engine/duration.js';
import { UsageError } from '../engine/errors.js';
import type { Args, CommandSpec, OptionSpec } from '../spec.js';
import { valueRule } from '../spec.js';

/**
 * Checks a parsed command line against the command's declarations, before
 * anything runs: every option value has the kind, range and wholeness its
 * declaration states, and an option that belongs to one source or sink kind is
 * not given with another. The same check runs for a command and for a stage of
 * `sluice run`, so both refuse the same things with the same words.
 */
export function checkArgs(spec: CommandSpec, args: Args, words: string[]): void {
  for (const o of spec.options) {
    try {
      checkValue(o, args[o.name]);
    } catch (err) {
      // yargs has turned `abc` into NaN by now: quote what was typed.
      const typed = typedValue(words, o);
      if (err instanceof UsageError && typed !== undefined) throw new UsageError(`--${o.name} must be ${valueRule(o)} (got '${typed}')`);
      throw err;
    }
  }
  const given = givenOptions(words, spec.options);
  if (given.has('progress') && words.some((w) => /^--progress=/.test(w))) {
    throw new UsageError('--progress takes no value (progress goes to stderr); use --progress-file FILE to append it to a file');
  }
  if (spec.kinds) checkKindOptions(spec, args, given);
}

/** The last value written for option `o` (`--o V`, `--o=V`, or its alias), if any. */
function typedValue(words: string[], o: OptionSpec): string | undefined {
  let typed: string | undefined;
  const flags = [`--${o.name}`, ...(o.alias ? [o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`] : [])];
  for (let i = 0; i < words.length && words[i] !== '--'; i++) {
    const w = words[i]!;
    for (const f of flags) {
      if (w === f && i + 1 < words.length) typed = words[i + 1];
      else if (w.startsWith(`${f}=`)) typed = w.slice(f.length + 1);
    }
  }
  return typed;
}

function refuse(o: OptionSpec, value: unknown): never {
  throw new UsageError(`--${o.name} must be ${valueRule(o)} (got '${String(value)}')`);
}

const ZERO_DURATION = /^\s*0+(\.0+)?\s*(ms|s|m|min|h|d)?\s*$/;

function checkValue(o: OptionSpec, value: unknown): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) checkValue(o, v);
    return;
  }
  if (o.alsoAccepts?.includes(String(value))) return;
  if (o.kind === 'duration') {
    if (o.min === 0 && ZERO_DURATION.test(String(value))) return;
    try {
      parseDuration(String(value), `--${o.name}`);
    } catch {
      refuse(o, value);
    }
    return;
  }
  if (o.kind === 'port') {
    const n = Number(value);
    if (String(value).trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) refuse(o, value);
    return;
  }
  if (o.type !== 'number') return;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) refuse(o, value);
  if (o.integer && !Number.isInteger(n)) refuse(o, value);
  if (o.min !== undefined && n < o.min) refuse(o, value);
  if (o.above !== undefined && n <= o.above) refuse(o, value);
}

/**
 * The long names of the options written on the command line (before `--`),
 * aliases resolved; defaults and environment values are not "given".
 */
export function givenOptions(words: string[], options: OptionSpec[]): Set<string> {
  const byName = new Map<string, string>();
  for (const o of options) {
    byName.set(o.name, o.name);
    if (o.alias) byName.set(o.alias, o.name);
    if (o.type === 'boolean') byName.set(`no-${o.name}`, o.name);
  }
  const given = new Set<string>();
  for (const w of words) {
    if (w === '--') break;
    if (!w.startsWith('-') || w === '-' || /^-\d/.test(w)) continue;
    const name = w.replace(/^-+/, '').replace(/=.*$/, '');
    const names = /^-[^-]/.test(w) && name.length > 1 ? [...name] : [name];
    for (const n of names) {
      const long = byName.get(n);
      if (long) given.add(long);
    }
  }
  return given;
}

function checkKindOptions(spec: CommandSpec, args: Args, given: Set<string>): void {
  const choice = spec.kinds!;
  const chosen = String(args[choice.positional] ?? choice.fallback);
  const kind = choice.kinds.find((k) => k.name === chosen);
  if (!kind) return; // an unknown kind is reported by the positional's choices
  for (const name of given) {
    const owners = choice.kinds.filter((k) => k.options.some((o) => o.name === name)).map((k) => k.name);
    if (owners.length === 0 || owners.includes(chosen)) continue;
    throw new UsageError(`--${name} applies to ${spec.name} ${owners.join(', ')}, not to ${spec.name} ${chosen}`);
  }
}

/** Each option once, in first-declared order: kinds may share one declaration (file and dir both poll). */
export function uniqueOptions(options: OptionSpec[]): OptionSpec[] {
  const seen = new Set<string>();
  return options.filter((o) => !seen.has(o.name) && Boolean(seen.add(o.name)));
}

/** `sluice map -- '-r.n'`: words after `--` are positionals even when they start with a dash, as in every getopt tool. */
export function fillPositionals(spec: CommandSpec, args: Args): void {
  const words = ((args['--'] as unknown[] | undefined) ?? []).map(String);
  delete args['--'];
  for (const p of spec.positionals) {
    if (words.length === 0) break;
    if (p.variadic) args[p.name] = [...((args[p.name] as unknown[] | undefined) ?? []), ...words.splice(0)];
    else if (args[p.name] === undefined) args[p.name] = words.shift();
  }
  if (words.length > 0) throw new UsageError(`unexpected argument '${words[0]}' after --`);
  const missing = spec.positionals.filter((p) => !p.optional && args[p.name] === undefined);
  if (missing.length > 0) throw new UsageError(missing.map((p) => `missing <${p.name}>: ${p.describe}`).join('; '));
}

/** The command's positionals for yargs; those that `--` words may fill are checked after filling, not by yargs. */
export function yargsPositionals(spec: CommandSpec): string[] {
  return spec.positionals.map((p) => (p.optional || !spec.restAfterDashes ? `[${p.name}${p.variadic ? '..' : ''}]` : `<${p.name}${p.variadic ? '..' : ''}>`));
}
