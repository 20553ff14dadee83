import type { Clock, TimerHandle } from '../../engine/clock.js';
import { isoTime } from '../../engine/clock.js';
import type { SourceDriver } from '../../engine/source-driver.js';

const TICK_MS = 10;
/** Most records emitted before waiting for downstream: a slow reader must not make the source buffer its backlog. */
const MAX_PER_STEP = 4096;

/**
 * Spark's rate source: `perSecond` records a second, each {"timestamp", "value"}
 * with value counting up from 0. Record v is due at start + v / perSecond on
 * the monotonic clock, so the rate holds however the timers drift, and its
 * timestamp is that moment on the wall clock (as Spark stamps its rows). A
 * record goes in the batch of its time: the ones due before a boundary are
 * emitted just before it, even when the process stalled past it. Stops after
 * `limit` records if given.
 */
export function rateSource(
  driver: SourceDriver,
  o: { perSecond: number; limit?: number; clock: Clock },
  settle: () => Promise<void>,
  onStop: (l: () => void) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const { clock } = o;
    const began = clock.monotonic();
    const msPerRecord = 1000 / o.perSecond;
    const last = o.limit ?? Infinity;
    let value = 0;
    let timer: TimerHandle | undefined;
    let stopped = false;
    let stampMs = NaN;
    let stamp = '';
    const finish = () => {
      stopped = true;
      timer?.cancel();
      resolve();
    };
    /** Emits the records due before wall time `before` (at most MAX_PER_STEP); true when some were held back by that cap. */
    const emitDueBefore = (before: number): boolean => {
      const wallOffset = clock.now() - clock.monotonic();
      const stepEnd = Math.min(last, value + MAX_PER_STEP);
      while (value < stepEnd) {
        const ms = Math.floor(wallOffset + began + value * msPerRecord);
        if (ms >= before) break;
        if (ms !== stampMs) {
          stampMs = ms;
          stamp = isoTime(ms);
        }
        driver.emit({ timestamp: stamp, value }, `{"timestamp":"${stamp}","value":${value}}`);
        value++;
      }
      if (value >= last) finish();
      return value === stepEnd && value < last;
    };
    const tick = () => {
      if (stopped) return;
      const capped = emitDueBefore(Math.min(clock.now(), driver.openBatchEnd ?? Infinity));
      if (stopped) return;
      settle().then(() => {
        if (!stopped) timer = clock.setTimer(capped ? 0 : TICK_MS, tick);
      }, reject);
    };
    driver.beforeEachBoundary((end) => {
      if (!stopped) emitDueBefore(Math.min(clock.now(), end));
    });
    timer = clock.setTimer(0, tick);
    onStop(finish);
  });
}
