import { alignDown, isoTime } from '../clock.js';
import { formatDuration } from '../duration.js';
import { UsageError } from '../errors.js';

/** A time window [start, end) in epoch ms. */
export interface TimeWindow {
  start: number;
  end: number;
}

/** Tumbling (slide = size) and sliding windows, aligned to the Unix epoch. */
export interface WindowAssigner {
  readonly size: number;
  readonly slide: number;
  /** Every window containing t, oldest first. */
  windowsFor(t: number): TimeWindow[];
}

/**
 * Sliding windows copy each record into SIZE/SLIDE windows: bounded, so one
 * record cannot fan out into millions of copies (window 1d --slide 1ms).
 */
export const MAX_WINDOWS_PER_RECORD = 10_000;

export function fixedWindows(size: number, slide: number = size): WindowAssigner {
  if (slide > size) {
    throw new UsageError(`--slide ${formatDuration(slide)} must not be longer than the window size ${formatDuration(size)}`);
  }
  if (Math.ceil(size / slide) > MAX_WINDOWS_PER_RECORD) {
    throw new UsageError(
      `window ${formatDuration(size)} --slide ${formatDuration(slide)} puts every record into ${Math.ceil(size / slide)} windows; at most ${MAX_WINDOWS_PER_RECORD} are allowed (use a longer --slide)`,
    );
  }
  return {
    size,
    slide,
    windowsFor(t) {
      const out: TimeWindow[] = [];
      // The newest window containing t starts at alignDown(t, slide); older ones
      // start one slide earlier each, while they still reach past t.
      const newest = alignDown(t, slide);
      let start = newest;
      while (start + size > t) start -= slide;
      for (start += slide; start <= newest; start += slide) out.push({ start, end: start + size });
      return out;
    },
  };
}

export interface WindowLabel {
  /** `{"start":"...","end":"..."}` */
  json: string;
  start: string;
  end: string;
  /** The end as epoch ms. */
  endMs: number;
}

/** The ISO-8601 `window: {start, end}` of output records, cached per window (toISOString is slow). */
export class WindowLabels {
  /** Keyed by start, then checked against end: fixed windows of one stage share a size. */
  private cache = new Map<number, WindowLabel>();

  label(w: TimeWindow): WindowLabel {
    const hit = this.cache.get(w.start);
    if (hit && hit.endMs === w.end) return hit;
    const start = isoTime(w.start);
    const end = isoTime(w.end);
    const made = { json: JSON.stringify({ start, end }), start, end, endMs: w.end };
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(w.start, made);
    return made;
  }
}
