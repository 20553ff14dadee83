import type { Clock } from '../clock.js';
import type { Control } from '../control.js';
import type { StageContext } from '../context.js';
import { NdjsonWriter } from '../ndjson-writer.js';
import type { Downstream, HoldsOutput } from '../stream.js';
import type { ReadsFields, TakesLines } from '../fast/fields-read.js';
import { formatCount, formatRate } from './format.js';
import type { LiveArea } from './live-area.js';
import { LiveLine } from './live-line.js';
import { RateMeter } from './rate-meter.js';

/**
 * An operator that can say how many rows it holds in state (groups, windows,
 * buffered records). Optional: the status line shows state only when the
 * first operator of a stage provides it.
 */
export interface ReportsStateRows {
  stateRows(): number;
}

function reportsStateRows(x: unknown): x is ReportsStateRows {
  return typeof x === 'object' && x !== null && typeof (x as Partial<ReportsStateRows>).stateRows === 'function';
}

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
 * The live one-line status of a stage (--status): counts what enters the
 * stage's operator chain (records, batches, watermarks) and what leaves it.
 */
export class StageStatus {
  private recordsIn = 0;
  private recordsOut = 0;
  private batches = 0;
  private watermark: number | undefined;
  private state: ReportsStateRows | undefined;
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

  /** Puts counters around a stage's operator chain: what `build` returns is counted in, what it sends on is counted out. */
  around(build: (next: Downstream, ctx: StageContext) => Downstream): (next: Downstream, ctx: StageContext) => Downstream {
    return (next, ctx) => {
      const head = build(next instanceof NdjsonWriter ? this.watchWriter(next) : this.output(next), ctx);
      if (reportsStateRows(head)) this.state = head;
      return this.input(head);
    };
  }

  /** Takes records out from a counter the stage keeps anyway (a source's writer). */
  countOutputWith(read: () => number): void {
    this.outCount = read;
  }

  /**
   * The stage's own writer, seen through: sinks use more of it than data() and
   * control(), so it is proxied, its record count read rather than recounted.
   */
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

  /** Counts what enters `next`, keeping its fast paths (fast/fields-read.ts): the fields it reads, the lines it takes undecoded. */
  input(next: Downstream & ReadsFields & TakesLines): Downstream & ReadsFields & TakesLines & HoldsOutput {
    const counted = (taken: boolean) => {
      if (taken) this.recordsIn++;
      return taken;
    };
    return {
      readsFields: next.readsFields,
      ...(next.takeLine && { takeLine: (line: string) => counted(next.takeLine!(line)) }),
      ...(next.takeLineBytes && {
        takeLineBytes: (bytes: Buffer, from: number, end: number, max: number) => {
          const taken = next.takeLineBytes!(bytes, from, end, max);
          this.recordsIn += taken.lines;
          return taken;
        },
      }),
      data: (record, raw) => {
        this.recordsIn++;
        next.data(record, raw);
      },
      ...((next as HoldsOutput).pressure && { pressure: () => (next as HoldsOutput).pressure!() }),
      control: (c) => {
        if (c.type === 'batch') this.batches++;
        this.see(c);
        return next.control(c);
      },
    };
  }

  output(next: Downstream): Downstream {
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

  private see(c: Control): void {
    if (c.type === 'watermark') this.watermark = Math.max(this.watermark ?? -Infinity, c.t);
  }

  render(): string {
    const t = this.clock.monotonic();
    const out = this.outCount ? this.outCount() : this.recordsOut;
    return renderStatus({
      label: this.label,
      inPerSecond: this.inRate.sample(t, this.recordsIn),
      outPerSecond: this.outRate.sample(t, out),
      records: { in: this.recordsIn, out },
      batches: this.batches,
      watermark: this.watermark,
      stateRows: this.state?.stateRows(),
    });
  }
}
