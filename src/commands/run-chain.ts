import type { StageContext } from '../engine/context.js';
import { UsageError } from '../engine/errors.js';
import { PipeBoundary } from '../engine/pipe-boundary.js';
import type { Downstream } from '../engine/stream.js';
import type { Args, OperatorFactory } from '../spec.js';
import { stageCommands } from './stages.js';

/** One stage of a `sluice run` pipeline, parsed with its command's own options. */
export interface Stage {
  name: string;
  args: Args;
  /** The options written in this stage (not defaults). */
  given: Set<string>;
}

export interface OperatorStage extends Stage {
  factory: OperatorFactory;
}

export function operatorStage(stage: Stage, index: number): OperatorStage {
  const spec = stageCommands.find((c) => c.name === stage.name)!;
  if (!spec.operator) throw new UsageError(`'${stage.name}' can only be the ${stage.name === 'source' ? 'first' : 'last'} stage of a pipeline`);
  try {
    return { ...stage, factory: spec.operator(stage.args) };
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`stage ${index + 1} (${stage.name}): ${err.message}`);
    throw err;
  }
}

/**
 * Chains operators in front of `end`, each with its own context. Between
 * stages, records become what a pipe would make of them (PipeBoundary); the
 * stage's own writer serialises by itself, so `endIsWriter` says it needs none.
 */
export function chainOperators(
  operators: readonly OperatorStage[],
  end: Downstream,
  endIsWriter: boolean,
  ctx: StageContext,
  stageContext: (ctx: StageContext, stage: Stage) => StageContext,
): Downstream {
  let next = end;
  for (let i = operators.length - 1; i >= 0; i--) {
    const stageCtx = stageContext(ctx, operators[i]!);
    const out = next === end && endIsWriter ? next : new PipeBoundary(next, stageCtx.errors);
    next = operators[i]!.factory(out, stageCtx);
  }
  return next;
}
