import { valueRule, type OptionSpec } from '../spec.js';
import { valueFromEnvironment } from './env-defaults.js';

/** The yargs definition of one declared option: the flag, its help column and its environment default. */
export function yargsOption(o: OptionSpec) {
  const envDefault = valueFromEnvironment(o);
  return {
    alias: o.alias,
    type: o.type === 'array' ? ('string' as const) : o.type,
    array: o.type === 'array' || undefined,
    describe: valueRule(o) ? `${o.describe} (${valueRule(o)})` : o.describe,
    // In the right-hand column, where yargs does not break it across lines.
    defaultDescription: o.env ? `$${o.env}${o.default === undefined ? '' : ` or ${JSON.stringify(o.default)}`}` : undefined,
    default: envDefault ?? o.default,
    choices: o.choices,
    requiresArg: o.type !== 'boolean' || undefined,
  };
}
