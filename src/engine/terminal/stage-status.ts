import type { Clock } from '../clock.js';
import type { Control } from '../control.js';
import type { Capabilities, StageObserver } from '../capabilities.js';
import { NdjsonWriter } from '../ndjson-writer.js';
import type { Downstream } from '../stream.js';
import { formatCount, formatRate } from './format.js';
import type { LiveArea } from './live-area.js';
import { LiveLine } from './live-line.js';
import { RateMeter } from './rate-meter.js';

export interface StatusFigures {
  label: string;
  inPerSecond: number;
  outPerSecond: number;
  records: { in: number; out: number };
  batches: number;
  watermark: number | undefined;
  stateRows: number | undefined;
}

/** `sluice reduce-by-key  in 12.3k/s  out 40/s  (1,204,332 / 3,120)  batches 17  watermark 12:00:05Z  state 1,204 rows` */
export function renderStatus(f: StatusFigures): string {
  const parts = [
    f.label,
    `in ${formatRate(f.inPerSecond)}/s`,
    `out ${formatRate(f.outPerSecond)}/s`,
    `(${formatCount(f.records.in)} / ${formatCount(f.records.out)})`,
    `batches ${formatCount(f.batches)}`,
    `watermark ${f.watermark === undefined ? '-' : new Date(f.watermark).toISOString().slice(11, 19) + 'Z'}`,
  ];
  if (f.stateRows !== undefined) parts.push(`state ${formatCount(f.stateRows)} rows`);
  return parts.join('  ');
}

/**
 * The live one-line status of a stage (--status): an observer of the stage
 * (see capabilities.ts). The runner reports what enters the operator chain
 * (records, batches, watermarks); the output side is counted on the writer.
 * It never stands in front of the chain, so every capability of the chain's
 * head (fields read, byte paths, state for --checkpoint) stays in use.
 */
export class StageStatus implements StageObserver {
  private recordsIn: () => number = () => 0;
  private recordsOut = 0;
  private batches = 0;
  private watermark: number | undefined;
  private stateRows: (() => number) | undefined;
  private outCount: (() => number) | undefined;
  private readonly inRate = new RateMeter();
  private readonly outRate = new RateMeter();
  readonly line: LiveLine;

  constructor(
    private readonly label: string,
    area: LiveArea,
    private readonly clock: Clock,
  ) {
    this.line = new LiveLine(area, () => this.render(), 250);
  }

  attach(recordsIn: () => number, caps: Capabilities): void {
    this.recordsIn = recordsIn;
    this.stateRows = caps.stateRows;
  }

  control(c: Control): void {
    if (c.type === 'batch') this.batches++;
    this.see(c);
  }

  /** Counts what leaves the stage: the writer's own count when it is the writer (proxied, since sinks use more of it), else each record. */
  wrapOutput(next: Downstream): Downstream {
    if (next instanceof NdjsonWriter) return this.watchWriter(next);
    return {
      data: (record, raw) => {
        this.recordsOut++;
        next.data(record, raw);
      },
      control: (c) => {
        this.see(c);
        return next.control(c);
      },
    };
  }

  /** Takes records out from a counter the stage keeps anyway (a source's writer). */
  countOutputWith(read: () => number): void {
    this.outCount = read;
  }

  private watchWriter(writer: NdjsonWriter): NdjsonWriter {
    this.countOutputWith(() => writer.recordsOut);
    const bound = new Map<PropertyKey, unknown>();
    const control = (c: Control) => {
      this.see(c);
      return writer.control(c);
    };
    return new Proxy(writer, {
      get: (target, p) => {
        if (p === 'control') return control;
        const v: unknown = Reflect.get(target, p, target);
        if (typeof v !== 'function') return v;
        if (!bound.has(p)) bound.set(p, (v as (...a: unknown[]) => unknown).bind(target));
        return bound.get(p);
      },
    });
  }

  private see(c: Control): void {
    if (c.type === 'watermark') this.watermark = Math.max(this.watermark ?? -Infinity, c.t);
  }

  render(): string {
    const t = this.clock.monotonic();
    const records = this.recordsIn();
    const out = this.outCount ? this.outCount() : this.recordsOut;
    return renderStatus({
      label: this.label,
      inPerSecond: this.inRate.sample(t, records),
      outPerSecond: this.outRate.sample(t, out),
      records: { in: records, out },
      batches: this.batches,
      watermark: this.watermark,
      stateRows: this.stateRows?.(),
    });
  }
}
