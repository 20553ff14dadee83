import { controlBody, encodeControl, looksLikeControl, validateControl, type Control } from '../../src/engine/control.js';

/** The token of the streams tests write by hand. */
export const TEST_TOKEN = 'test0token0000000000000000000000';

type Unsigned = Exclude<Control, { type: 'start' }> | (Omit<Extract<Control, { type: 'start' }>, 'token'> & { token?: string });

/** A control line of the test stream (a start gets TEST_TOKEN unless it names its own). */
export function controlLine(c: Unsigned, token = TEST_TOKEN): string {
  const full = (c.type === 'start' ? { token, ...c } : c) as Control;
  return encodeControl(full, token);
}

/** The control record of a line sluice wrote, or undefined for data. */
export function decodeControlLine(line: string): Control | undefined {
  if (!looksLikeControl(line)) return undefined;
  const body = controlBody(line);
  return body && validateControl(body);
}

/** The control record without its token, for comparisons. */
export function withoutToken(c: Control | undefined): unknown {
  if (c?.type !== 'start') return c;
  const { token: _t, ...rest } = c;
  return rest;
}

/** The epoch ms the test streams' batches count from (2026-01-01). */
export const STREAM_EPOCH = Date.UTC(2026, 0, 1);

/**
 * A bounded test stream of `data`: its start, a boundary of 1 s batches from
 * STREAM_EPOCH after every `batchEvery` lines (with `between(i)`'s control
 * lines before it, after line i), then end, the last batch and eos.
 */
export function boundedStream(data: readonly string[], batchEvery: number, between?: (i: number) => string[]): string {
  const T = STREAM_EPOCH;
  let id = 0;
  const out = [controlLine({ type: 'start', interval: 1000, bounded: true })];
  for (const [i, l] of data.entries()) {
    out.push(l);
    if (between) out.push(...between(i));
    if (i % batchEvery === batchEvery - 1) out.push(controlLine({ type: 'batch', id, start: T + id * 1000, end: T + ++id * 1000 }));
  }
  out.push(controlLine({ type: 'end' }), controlLine({ type: 'batch', id, start: T + id * 1000, end: T + (id + 1) * 1000 }), controlLine({ type: 'eos' }));
  return out.join('\n') + '\n';
}
