import { UsageError } from '../engine/errors.js';
import type { OptionSpec } from '../spec.js';

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/**
 * The value an option takes from its environment variable when the flag is
 * absent (flag, then environment, then the declared default). Typed like the
 * flag would be; an empty variable counts as unset. A value the flag would
 * refuse is a usage error naming the variable.
 */
export function valueFromEnvironment(o: OptionSpec, env: NodeJS.ProcessEnv = process.env): unknown {
  if (o.env === undefined) return undefined;
  const raw = env[o.env];
  if (raw === undefined || raw === '') return undefined;
  const bad = (what: string) => new UsageError(`environment ${o.env}=${raw}: --${o.name} ${what}`);
  switch (o.type) {
    case 'boolean':
      if (TRUE.test(raw)) return true;
      if (FALSE.test(raw)) return false;
      throw bad('is a switch: use 1/0, true/false, yes/no or on/off');
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad('takes a number');
      return n;
    }
    case 'array':
      return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    default:
      if (o.choices && !o.choices.includes(raw)) throw bad(`is one of ${o.choices.join(', ')}`);
      return raw;
  }
}
