/**
 * SLUICE_FAST=0 turns every fast path off: records are parsed whole, expressions
 * evaluated as written, times parsed by the general parser. The results must
 * not change (CI runs the suite both ways: `npm run test:nofast`). Read when a
 * stage is built, so a test can flip it between stages.
 */
export function fastPathsOn(): boolean {
  return process.env['SLUICE_FAST'] !== '0';
}
