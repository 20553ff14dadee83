import type { Argv } from 'yargs';
import { newYargs } from './commands/new-yargs.js';
import { commands } from './commands/index.js';
import type { Args, CommandIO, CommandSpec } from './spec.js';
import { exampleLines, usageLine } from './spec.js';
import { systemClock } from './engine/clock.js';
import { ExitCode, UsageError } from './engine/errors.js';
import { StopSignal } from './engine/stop-signal.js';
import { openStdin } from './engine/stdin-reader.js';
import { explainUsage } from './commands/usage-messages.js';
import { yargsOption } from './commands/yargs-option.js';
import { checkArgs, fillPositionals, yargsPositionals } from './commands/check-args.js';
import { explainFailure } from './engine/system-errors.js';

export { VERSION } from './version.js';
import { VERSION } from './version.js';
import { restoreExtraCaCerts } from './engine/extra-ca-certs.js';


function install(y: Argv, spec: CommandSpec, argv: string[], io: () => Omit<CommandIO, 'rest'>, done: (p: Promise<number>) => void): Argv {
  const positionals = yargsPositionals(spec);
  return y.command(
    [spec.name, ...positionals].join(' '),
    spec.summary,
    (b) => {
      for (const p of spec.positionals) b.positional(p.name, { describe: p.describe, type: 'string', choices: p.choices });
      for (const o of spec.options) b.option(o.name, yargsOption(o));
      return b.usage(`${usageLine(spec)}\n\n${spec.summary}`).epilogue(examplesText(spec));
    },
    (args) => {
      if (!spec.restAfterDashes) fillPositionals(spec, args as Args);
      restoreDash(args as Args);
      // Declared value rules and kind options are checked before the command starts: exit 2 naming the option.
      checkArgs(spec, args as Args, argv);
      done(Promise.resolve().then(() => spec.run(args as Args, { ...io(), rest: ((args['--'] as string[] | undefined) ?? []).map(String) })));
    },
  );
}

/** yargs drops a lone `-` (standard input, as for cat) from positionals: it is carried through under a name no argument can have. */
const DASH = '\u0000-';

function hideDash(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((a, i) => (a === '-' && (end === -1 || i < end) ? DASH : a));
}

function restoreDash(args: Args): void {
  for (const [key, value] of Object.entries(args)) {
    if (value === DASH) args[key] = '-';
    else if (Array.isArray(value)) args[key] = value.map((v) => (v === DASH ? '-' : v));
  }
}

/** The examples under --help: a comment, then the command, continued before `| ` where it is long, so no line wraps mid-command. */
function examplesText(spec: CommandSpec): string {
  const lines = ['Examples (from the repository root; the files are in docs/samples/):'];
  for (const e of spec.examples) lines.push('', `  # ${e.describe}`, ...exampleLines(e.cmd).map((l) => `  ${l}`));
  return lines.join('\n');
}

/** `sluice help CMD` is `sluice CMD --help`, and `sluice help` is `sluice --help`, as in git and npm. */
function helpWords(argv: string[], names: string[]): string[] {
  if (argv[0] !== 'help') return argv;
  const topic = argv[1];
  if (topic === undefined) return ['--help'];
  if (!names.includes(topic)) return [topic, ...argv.slice(2)];
  return [topic, '--help'];
}

const EPILOGUE = [
  'Every command has --help (or -h, or sluice help CMD) with a runnable example; man sluice-<command> after install.',
  'Exit status: 0 success (also when a reader such as head closed the pipe), 1 runtime or data error, 2 usage error, 130/143 after SIGINT/SIGTERM (having flushed).',
  'Colour only on a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1 on. Options also come from environment variables, shown as $SLUICE_... in each command\'s help.',
].join('\n');

/** A usage problem found by yargs itself (unknown flag, missing argument). */
class CliUsageError extends UsageError {}

/**
 * Builds the CLI from the command registry, runs one command and resolves to the
 * exit status. The only place that decides it; bin/sluice sets process.exitCode.
 */
export async function main(argvGiven: string[], io: Omit<CommandIO, 'rest'>): Promise<number> {
  const argv = helpWords(argvGiven, commands.map((c) => c.name));
  let running: Promise<number> | undefined;
  let y = newYargs(hideDash(argv))
    .scriptName('sluice')
    .usage('sluice <command> [options]\n\nSpark Streaming\'s model for the shell: composable stages over NDJSON pipes.')
    .parserConfiguration({ 'populate--': true, 'strip-dashed': false })
    .strict()
    .demandCommand(1, 'name a command; see sluice --help')
    .recommendCommands()
    .version(VERSION)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(EPILOGUE)
    .fail((msg, err) => {
      // yargs reports some usage errors (a flag without its value) as a YError.
      if (err && err.name !== 'YError') throw err;
      if (err) throw new CliUsageError(err.message);
      // Throwing stops yargs before it runs the command's handler.
      throw new CliUsageError(msg);
    });
  for (const spec of commands) {
    y = install(y, spec, argv, () => io, (p) => {
      // Handled below once yargs returns; until then a rejection must not count as unhandled.
      p.catch(() => undefined);
      running = p;
    });
  }
  try {
    await y.parseAsync();
  } catch (err) {
    if (err instanceof CliUsageError) {
      const name = commandOf(argv);
      io.warn(`sluice${name ? ` ${name}` : ''}: ${explainUsage(err.message, argv, commands)}`);
      io.warn(`Try 'sluice${name ? ` ${name}` : ''} --help'.`);
      return ExitCode.usage;
    }
    if (err instanceof UsageError) {
      const name = commandOf(argv);
      io.warn(`sluice${name ? ` ${name}` : ''}: ${err.message}`);
      io.warn(`Try 'sluice${name ? ` ${name}` : ''} --help'.`);
      return ExitCode.usage;
    }
    throw err;
  }
  if (!running) return ExitCode.ok; // --help or --version
  try {
    return await running;
  } catch (err) {
    if (err instanceof UsageError) {
      io.warn(`sluice ${commandOf(argv) ?? ''}: ${err.message}`);
      return ExitCode.usage;
    }
    io.warn(`sluice ${commandOf(argv) ?? ''}: ${explainFailure(err)}`);
    return ExitCode.failure;
  }
}

function commandOf(argv: string[]): string | undefined {
  return argv.find((a) => commands.some((c) => c.name === a));
}

/** Process wiring: signals, streams, exit status. */
export async function runProcess(): Promise<void> {
  restoreExtraCaCerts();
  const stop = new StopSignal();
  let signals = 0;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      signals++;
      // A second signal ends at once.
      if (signals > 1) process.exit(sig === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm);
      stop.trigger(sig);
    });
  }
  process.stdout.on('error', () => undefined);
  const stdin = openStdin();
  const code = await main(process.argv.slice(2), {
    stdin,
    stdout: process.stdout,
    warn: (line) => process.stderr.write(line + '\n'),
    clock: systemClock,
    stop,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
  });
  process.exitCode = code;
  // Sockets, timers or a paused stdin may keep the loop alive; once stdout has
  // drained nothing is left to say, so ending here loses no output.
  const finish = () => {
    stdin.destroy();
    setImmediate(() => process.exit(code));
  };
  if (process.stdout.writableLength > 0 && !process.stdout.destroyed) process.stdout.once('drain', finish).once('error', finish);
  else finish();
}
