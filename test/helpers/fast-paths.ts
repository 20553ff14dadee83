/**
 * Runs fn with the fast paths on or off (SLUICE_FAST, read when a stage or
 * operator is built), restoring the variable after. For differential tests
 * (fast against general) and for tests of a fast path itself, which must see
 * it on even when the suite runs with SLUICE_FAST=0.
 */
export function withFastPaths<T>(on: boolean, fn: () => T): T {
  const before = process.env['SLUICE_FAST'];
  process.env['SLUICE_FAST'] = on ? '1' : '0';
  const restore = () => {
    if (before === undefined) delete process.env['SLUICE_FAST'];
    else process.env['SLUICE_FAST'] = before;
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    restore();
    throw err;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
