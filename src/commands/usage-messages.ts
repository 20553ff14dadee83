import { closestMatch } from '../engine/suggest.js';
import type { CommandSpec, OptionSpec } from '../spec.js';

/**
 * Rewrites yargs' usage errors as a user should meet them: name the command,
 * the unknown flag and the closest real one, the missing argument and what it
 * is, the refused value and the choices. Unknown flags are reported first:
 * `map --flatt EXPR` swallows EXPR as the flag's value, and "not enough
 * arguments" would hide the typo that caused it.
 */
export function explainUsage(msg: string, argv: string[], commands: CommandSpec[]): string {
  const spec = commandOf(argv, commands);
  if (!spec) return explainWithoutCommand(msg, argv, commands);
  const unknown = unknownFlags(argv, spec);
  if (unknown.length > 0) return unknownFlagMessage(unknown[0]!, spec);

  const missing = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(msg);
  if (missing) {
    const required = spec.positionals.filter((p) => !p.optional);
    const absent = required.slice(Number(missing[1]));
    return absent.map((p) => `missing <${p.name}>: ${p.describe}`).join('; ') || msg;
  }
  const following = /^Not enough arguments following: (.+)$/.exec(msg);
  if (following) {
    const o = spec.options.find((x) => x.name === following[1] || x.alias === following[1]);
    return o ? `--${o.name} needs a value: ${valueHint(o)}` : msg;
  }
  const invalid = /Argument: ([^,]+), Given: "([^"]*)", Choices: (.+)$/m.exec(msg);
  if (invalid) {
    const [, name, given, choiceList] = invalid as unknown as [string, string, string, string];
    const choices = choiceList.split(', ').map((c) => c.replace(/^"|"$/g, ''));
    const guess = closestMatch(given, choices);
    const what = spec.positionals.some((p) => p.name === name) ? `unknown ${spec.name} ${name} '${given}'` : `--${name} '${given}' is not a choice`;
    return `${what}${guess ? `; did you mean '${guess}'?` : ''} (one of: ${choices.join(', ')})`;
  }
  return msg;
}

function explainWithoutCommand(msg: string, argv: string[], commands: CommandSpec[]): string {
  const first = argv.find((a) => !a.startsWith('-'));
  const names = commands.map((c) => c.name);
  if (first !== undefined && (/^Unknown arguments?:/.test(msg) || /^Did you mean/.test(msg))) {
    const guess = closestMatch(first, names);
    return `unknown command '${first}'${guess ? `; did you mean '${guess}'?` : ''} (commands: ${names.join(', ')})`;
  }
  return msg;
}

export function commandOf(argv: string[], commands: CommandSpec[]): CommandSpec | undefined {
  const first = argv.find((a) => !a.startsWith('-'));
  return commands.find((c) => c.name === first);
}

function knownNames(spec: CommandSpec): Set<string> {
  const names = new Set(['help', 'version', 'h', 'V']);
  for (const o of spec.options) {
    names.add(o.name);
    if (o.alias) names.add(o.alias);
    if (o.type === 'boolean') names.add(`no-${o.name}`);
  }
  return names;
}

/** Flags on the command line that the command does not declare, in order (nothing after `--`). */
function unknownFlags(argv: string[], spec: CommandSpec): string[] {
  const known = knownNames(spec);
  const out: string[] = [];
  for (const arg of argv) {
    if (arg === '--') break;
    if (!arg.startsWith('-') || /^-\d/.test(arg) || arg === '-') continue;
    const name = arg.replace(/^-+/, '').replace(/=.*$/, '');
    // -abc is three short flags; yargs knows our single-letter aliases only.
    const names = /^-[^-]/.test(arg) && name.length > 1 ? [...name] : [name];
    for (const n of names) if (!known.has(n)) out.push(arg.startsWith('--') ? `--${n}` : `-${n}`);
  }
  return out;
}

function unknownFlagMessage(flag: string, spec: CommandSpec): string {
  const candidates = spec.options.map((o) => o.name);
  const guess = closestMatch(flag.replace(/^-+/, ''), candidates);
  return `unknown option ${flag}${guess ? `; did you mean --${guess}?` : ''}`;
}

function valueHint(o: OptionSpec): string {
  if (o.choices) return `one of ${o.choices.join(', ')}`;
  return o.placeholder ?? (o.type === 'number' ? 'a number' : 'a value');
}
