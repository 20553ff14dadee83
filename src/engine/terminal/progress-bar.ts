import type { Clock } from '../clock.js';
import { formatBytes, formatCount, formatDuration, formatRate } from './format.js';
import type { LiveArea } from './live-area.js';
import { LiveLine } from './live-line.js';
import { RateMeter } from './rate-meter.js';

export interface ProgressFigures {
  bytes: number;
  totalBytes: number;
  records: number;
  bytesPerSecond: number;
  recordsPerSecond: number;
  columns: number;
}

/** `[=====>    ]  52%  13.1 MiB / 25.0 MiB  210,345 records  12.3k rec/s  6.2 MiB/s  ETA 0:02` */
export function renderProgressBar(f: ProgressFigures): string {
  const fraction = f.totalBytes > 0 ? Math.min(1, f.bytes / f.totalBytes) : 1;
  const left = f.totalBytes - f.bytes;
  const eta = f.bytesPerSecond > 0 && left > 0 ? formatDuration((left / f.bytesPerSecond) * 1000) : left > 0 ? '?' : '0:00';
  const figures = [
    `${String(Math.floor(fraction * 100)).padStart(3)}%`,
    `${formatBytes(f.bytes)} / ${formatBytes(f.totalBytes)}`,
    `${formatCount(f.records)} records`,
    `${formatRate(f.recordsPerSecond)} rec/s`,
    `${formatBytes(f.bytesPerSecond)}/s`,
    `ETA ${eta}`,
  ].join('  ');
  const barWidth = Math.max(10, Math.min(40, f.columns - figures.length - 5));
  const done = Math.floor(fraction * barWidth);
  const bar = '='.repeat(done) + (done < barWidth ? '>' + ' '.repeat(barWidth - done - 1) : '');
  return `[${bar}]  ${figures}`;
}

/** What the bar reads on each redraw. */
export interface ProgressCounters {
  bytes(): number;
  records(): number;
}

/** A progress bar for a bounded input of known size, a line of the terminal's live area `columns` wide. */
export function progressBar(area: LiveArea, columns: () => number, clock: Clock, totalBytes: number, counters: ProgressCounters): LiveLine {
  const byteRate = new RateMeter();
  const recordRate = new RateMeter();
  return new LiveLine(area, () => {
    const t = clock.monotonic();
    const bytes = counters.bytes();
    const records = counters.records();
    return renderProgressBar({
      bytes,
      totalBytes,
      records,
      bytesPerSecond: byteRate.sample(t, bytes),
      recordsPerSecond: recordRate.sample(t, records),
      columns: columns(),
    });
  });
}
