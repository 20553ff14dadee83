import type { SourceKind } from '../kinds.js';
import { rateSource } from './rate.js';

export const rateKind: SourceKind = {
  name: 'rate',
  describe: 'rate: synthetic {"timestamp", "value"} records at --per-second, like Spark\'s rate source',
  options: [
    { name: 'per-second', type: 'number', placeholder: 'N', default: 1, above: 0, describe: 'rate: records per second' },
    { name: 'limit', type: 'number', placeholder: 'N', integer: true, min: 0, describe: 'rate: stop after N records' },
  ],
  bounded: () => false,
  run: ({ driver, args, io, settle, onStop }) =>
    rateSource(driver, { perSecond: Number(args['per-second']), limit: args['limit'] as number | undefined, clock: io.clock }, settle, onStop),
};
