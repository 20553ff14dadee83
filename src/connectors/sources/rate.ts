import type { Clock, TimerHandle } from '../../engine/clock.js';
import { isoTime } from '../../engine/clock.js';
import type { SourceDriver } from '../../engine/source-driver.js';

const TICK_MS = 10;
/** Most records emitted before waiting for downstream: a slow reader must not make the source buffer its backlog. */
const MAX_PER_STEP = 4096;

/**
 * Spark's rate source: `perSecond` records a second, each {"timestamp", "value"}
 * with value counting up from 0. Paced against the monotonic clock so the rate
 * holds however the timers drift. Stops after `limit` records if given.
 */
export function rateSource(
  driver: SourceDriver,
  o: { perSecond: number; limit?: number; clock: Clock },
  settle: () => Promise<void>,
  onStop: (l: () => void) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const began = o.clock.monotonic();
    let value = 0;
    let timer: TimerHandle | undefined;
    let stopped = false;
    const tick = () => {
      if (stopped) return;
      const due = Math.floor(((o.clock.monotonic() - began) / 1000) * o.perSecond);
      const target = o.limit === undefined ? due : Math.min(due, o.limit);
      const now = isoTime(o.clock.now());
      const stepEnd = Math.min(target, value + MAX_PER_STEP);
      while (value < stepEnd) {
        driver.emit({ timestamp: now, value }, `{"timestamp":"${now}","value":${value}}`);
        value++;
      }
      if (o.limit !== undefined && value >= o.limit) {
        stopped = true;
        resolve();
        return;
      }
      settle().then(() => {
        if (!stopped) timer = o.clock.setTimer(value < target ? 0 : TICK_MS, tick);
      }, reject);
    };
    timer = o.clock.setTimer(0, tick);
    onStop(() => {
      stopped = true;
      timer?.cancel();
      resolve();
    });
  });
}
