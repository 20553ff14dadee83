import type { Argv } from 'yargs';
import yargs from './yargs-cjs.cjs';

/**
 * A yargs parser of `words`, for the command line (src/cli.ts) and for each
 * stage of `sluice run` (run.ts). yargs renders a command's whole help text
 * before running its handler, in case the handler shows it later (about 12 ms
 * of every start-up, and as much again per stage of `sluice run`). The help
 * sluice shows goes through --help or the fail() handler, never a handler's
 * showHelp, so that text is never used: yargs 17's usage instance is told not
 * to make it. Left alone when the internals differ.
 */
export function newYargs(words: string[]): Argv {
  const y = yargs(words);
  const usage = (y as unknown as { getInternalMethods?(): { getUsageInstance?(): { cacheHelpMessage?: unknown } } }).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
  return y;
}
