import { VirtualClock } from '../../src/engine/clock.js';
import type { StageContext } from '../../src/engine/context.js';
import type { Control } from '../../src/engine/control.js';
import { ErrorPolicy, type OnError } from '../../src/engine/error-policy.js';
import { PositionTracker, type Downstream } from '../../src/engine/stream.js';

export type Event = { data: Record<string, unknown>; raw: string | undefined } | { control: Control };

/** A Downstream that records what it receives, and a StageContext in virtual time. */
export class Harness implements Downstream {
  events: Event[] = [];
  warnings: string[] = [];
  readonly clock: VirtualClock;
  readonly ctx: StageContext;

  constructor(o: { now?: number; onError?: OnError; command?: string } = {}) {
    this.clock = new VirtualClock(o.now ?? Date.parse('2026-06-01T00:00:00Z'));
    const position = new PositionTracker();
    const warn = (line: string) => this.warnings.push(line);
    const command = o.command ?? 'test';
    this.ctx = { command, clock: this.clock, position, errors: new ErrorPolicy(command, o.onError ?? { kind: 'skip' }, position, warn), warn };
  }

  data(record: unknown, raw: string | undefined): void {
    this.events.push({ data: record as Record<string, unknown>, raw });
  }

  control(c: Control): void {
    this.events.push({ control: c });
  }

  get rows(): Record<string, unknown>[] {
    return this.events.flatMap((e) => ('data' in e ? [e.data] : []));
  }

  get controls(): Control[] {
    return this.events.flatMap((e) => ('control' in e ? [e.control] : []));
  }

  /** What a writer would print: raw text when given, else JSON. */
  get lines(): string[] {
    return this.events.map((e) => ('data' in e ? (e.raw ?? JSON.stringify(e.data)) : JSON.stringify(e.control)));
  }
}

export const T0 = Date.parse('2026-01-01T00:00:00Z');

/** ISO time of T0 + seconds. */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

/** Feeds a record with its exact JSON text, as a stage reading lines would. */
export function feed(op: Downstream, record: Record<string, unknown>): void {
  op.data(record, JSON.stringify(record));
}

export async function batch(op: Downstream, id: number, start = T0 + id * 1000, end = start + 1000): Promise<void> {
  await op.control({ type: 'batch', id, start, end });
}
