import type { Argv } from 'yargs';
import { newYargs } from './new-yargs.js';
import { yargsOption } from './yargs-option.js';
import { sinkKinds } from '../connectors/sinks/index.js';
import type { SinkInstance, SinkKind } from '../connectors/kinds.js';
import type { StageContext } from '../engine/context.js';
import { ErrorPolicy, parseOnError } from '../engine/error-policy.js';
import { UsageError } from '../engine/errors.js';
import type { NdjsonWriter } from '../engine/ndjson-writer.js';
import type { Downstream } from '../engine/stream.js';
import { stageCommands } from './stages.js';
import { splitPipeline } from './run-parse.js';
import { checkArgs, fillPositionals, givenOptions, yargsPositionals } from './check-args.js';
import { runTransform } from './run-transform.js';
import { runSource } from './source.js';
import type { Args, CommandIO, CommandSpec } from '../spec.js';
import { chainOperators, operatorStage, type Stage } from './run-chain.js';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'run a whole pipeline of stages in one process, passing records between them without JSON',
  description: [
    "Runs PIPELINE, written as in the shell without the word sluice: 'source file in.txt | map --flat EXPR | reduce-by-key value --count | sink'. Each stage takes exactly the options of its command. Records pass between stages as objects, so nothing is serialised or parsed in between; results are the same as the pipe's.",
    'The first stage may be a source (otherwise NDJSON is read from stdin, as by any stage) and the last may be a sink (otherwise NDJSON with control records goes to stdout, as from any stage). Quote PIPELINE as one shell word; inside it, quotes work as in the shell.',
    'Unlike separate processes, stages share one thread: an expression that modifies its record r in place is seen by the stages after it. --checkpoint is not supported inside run.',
  ],
  positionals: [{ name: 'pipeline', describe: "the stages, separated by | (one shell word: quote it)" }],
  options: [],
  examples: [
    { cmd: `sluice run 'source file docs/samples/words.txt | map --flat "r.value.split(\\" \\")" | reduce-by-key value --count | sink'`, describe: 'word count in one process' },
    { cmd: `sluice run 'filter "r.amount > 5" | map "({region: r.region, cents: r.amount * 100})"' < docs/samples/sales.ndjson`, describe: 'two transforms over stdin' },
  ],
  run: runPipeline,
};

async function runPipeline(args: Args, io: CommandIO): Promise<number> {
  const stages = splitPipeline(String(args['pipeline'])).map(parseStage);
  foldReadingLimits(stages);
  const first = stages[0]!;
  const source = first.name === 'source' ? stages.shift()! : undefined;
  const last = stages[stages.length - 1];
  const sink = last?.name === 'sink' ? stages.pop()! : undefined;
  const operators = stages.map(operatorStage);
  const sinkKind = sink && findSinkKind(sink.args);
  let instance: SinkInstance | undefined;
  const policies: ErrorPolicy[] = [];
  const stageContext = (ctx: StageContext, stage: Stage): StageContext => {
    // Each stage reports its own bad records under its own --on-error, at the shared input position.
    const onError = stage.args['on-error'];
    if (onError === undefined) return { ...ctx, command: stage.name, errors: ctx.errors.forStage(stage.name) };
    const errors = new ErrorPolicy(stage.name, parseOnError(String(onError)), ctx.position, ctx.warn);
    policies.push(errors);
    return { ...ctx, command: stage.name, errors };
  };

  /** The operators and the sink, in front of the writer. */
  const build = (writer: NdjsonWriter, ctx: StageContext): Downstream => {
    let end: Downstream = writer;
    if (sink && sinkKind) {
      // The words after a stage's own `--` are its command (sink exec), as io.rest is for the separate command.
      const rest = ((sink.args['--'] as unknown[] | undefined) ?? []).map(String);
      instance = sinkKind.build(writer, stageContext(ctx, sink), sink.args, { ...io, rest });
      end = instance.downstream;
    }
    return chainOperators(operators, end, end === writer, ctx, stageContext);
  };
  // Without a sink the pipeline ends in the stdout sink: data records only, for whatever reads them.
  const dataOnly = sinkKind ? sinkKind.dataOnlyStdout : true;
  try {
    if (source) return await runSource(source.args, io, { command: 'run', dataOnly, build });
    return await runTransform('run', first.args, io, (next, ctx) => build(next as NdjsonWriter, ctx), { dataOnly });
  } finally {
    await instance?.close?.();
    for (const p of policies) {
      const summary = p.summary();
      if (summary) io.warn(summary);
    }
  }
}

/** Parses one stage's words with its command's own option declarations. */
function parseStage(words: string[], index: number): Stage {
  const name = words[0]!;
  const spec = stageCommands.find((c) => c.name === name);
  const where = `stage ${index + 1} (${name})`;
  if (!spec || (!spec.operator && name !== 'source' && name !== 'sink')) {
    const usable = stageCommands.filter((c) => c.operator || c.name === 'source' || c.name === 'sink').map((c) => c.name);
    throw new UsageError(`${where}: not a stage command; use one of ${usable.join(', ')}`);
  }
  let parsed: Args | undefined;
  let problem: string | undefined;
  const positionals = yargsPositionals(spec);
  const parser: Argv = newYargs(words).parserConfiguration({ 'populate--': true, 'strip-dashed': false }).strict().help(false).version(false);
  parser
    .command(
      [spec.name, ...positionals].join(' '),
      spec.summary,
      (b) => {
        for (const p of spec.positionals) b.positional(p.name, { describe: p.describe, type: 'string', choices: p.choices });
        for (const o of spec.options) b.option(o.name, yargsOption(o));
        return b;
      },
      (a) => {
        parsed = a as Args;
      },
    )
    .fail((msg, err) => {
      if (err) throw err;
      problem = msg;
    })
    .parseSync();
  if (problem !== undefined || !parsed) throw new UsageError(`${where}: ${problem ?? 'cannot parse'}`);
  if (parsed['checkpoint'] !== undefined) throw new UsageError(`${where}: --checkpoint is not supported inside sluice run; use a pipe of stages`);
  const args = parsed;
  try {
    if (!spec.restAfterDashes) fillPositionals(spec, args);
    checkArgs(spec, args, words);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${where}: ${err.message}`);
    throw err;
  }
  return { name, args, given: givenOptions(words, spec.options) };
}

/** Limits on reading records: in a pipe each stage reads; in run only the first does, so it applies the strictest given anywhere. */
const READING_LIMITS = ['max-line-bytes', 'max-depth'];

function foldReadingLimits(stages: Stage[]): void {
  const reader = stages[0]!;
  for (const later of stages.slice(1)) {
    for (const name of READING_LIMITS) {
      if (later.given.has(name)) reader.args[name] = Math.min(Number(reader.args[name]), Number(later.args[name]));
    }
    if (later.given.has('strict-utf8') && later.args['strict-utf8']) reader.args['strict-utf8'] = true;
  }
}

function findSinkKind(args: Args): SinkKind {
  const name = String(args['kind'] ?? 'stdout');
  const kind = sinkKinds.find((k) => k.name === name);
  if (!kind) throw new UsageError(`unknown sink kind '${name}'`);
  return kind;
}
