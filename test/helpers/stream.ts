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
