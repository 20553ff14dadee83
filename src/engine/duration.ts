import { UsageError } from './errors.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Parses `500ms`, `1s`, `2.5m`, `1h`, `1d` into milliseconds. A bare number means seconds. */
export function parseDuration(text: string, optionName = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$/.exec(String(text));
  if (!match) {
    throw new UsageError(`${optionName} '${text}' is not a duration (examples: 500ms, 1s, 5m, 1h)`);
  }
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!;
  if (!(ms > 0)) throw new UsageError(`${optionName} '${text}' must be greater than zero`);
  return Math.round(ms);
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
