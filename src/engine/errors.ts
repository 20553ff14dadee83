import { visible } from './terminal/visible.js';

/** Exit statuses: the CLI is the only place that turns these into process.exitCode. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  sigint: 130,
  sigterm: 143,
} as const;

/** A problem with how sluice was invoked: bad option value, missing argument. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A bad input record or a runtime failure that stops the stage. Exit 1. */
export class DataError extends Error {
  override name = 'DataError';
  /** `command`: the stage that found it, when it says so (a stage of `sluice run`). */
  constructor(message: string, readonly where?: string, readonly command?: string) {
    super(message);
  }
}

/** Formats `sluice <command>: <where>: <what>` on one line; data quoted in `what` is shown escaped (terminal/visible.ts). */
export function diagnostic(command: string, where: string | undefined, what: string): string {
  const oneLine = visible(what.replace(/\s*\n\s*/g, ' '));
  return where ? `sluice ${command}: ${where}: ${oneLine}` : `sluice ${command}: ${oneLine}`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Shortens a raw input line for a diagnostic so one huge line cannot flood stderr. */
export function snippet(line: string, max = 80): string {
  return line.length <= max ? line : `${line.slice(0, max)}...(${line.length} chars)`;
}

/**
 * Work a signal interrupted (a sink's command stopped by SIGTERM): reported
 * like a DataError, but the stage exits with the signal's status (130/143).
 */
export class StoppedError extends DataError {
  override name = 'StoppedError';
}

/** The stage upstream failed and said so (its `failed` control record): exit 1, without a message of our own. */
export class UpstreamFailedError extends DataError {
  override name = 'UpstreamFailedError';
}
