import type { Control, ControlOf } from './control.js';
import type { Downstream } from './stream.js';

/**
 * The one operator shape (as Flink's operator or a Kafka Streams processor):
 * an operator implements the hooks it needs; control() is implemented here,
 * once, and calls them in the order of the stream's lifecycle
 *
 *   start → (data* batchEnd | watermark)* → endOfInput → data* batchEnd → close
 *
 * forwarding every control record after its hook, so no operator forwards
 * control by hand and none can forget one. Rows an operator emits from a hook
 * reach downstream before the control record that caused them: rows flushed
 * at endOfInput belong to the stream's last batch, which every sink commits.
 */
export abstract class Operator implements Downstream {
  /** True for the operator that is the source of watermarks downstream (window): upstream ones stop here. */
  protected readonly ownsWatermarks: boolean = false;

  constructor(protected readonly next: Downstream) {}

  abstract data(record: unknown, raw: string | undefined): void;

  /** The stream opened (a restarted pipeline's `resumeAfter` is in it). */
  protected onStart?(c: ControlOf<'start'>): void | Promise<void>;
  /** Batch `c` is complete: every record of it was given to data(). */
  protected onBatchEnd?(c: ControlOf<'batch'>): void | Promise<void>;
  /** Upstream's event time is complete up to `t` (not called when the operator owns watermarks). */
  protected onWatermark?(t: number): void | Promise<void>;
  /** No more input: emit everything held (windows, sessions, state). The stream's last batch follows. */
  protected onEndOfInput?(): void | Promise<void>;
  /** End of stream (after the last batch; also after a checkpointed stop, which has no endOfInput). */
  protected onClose?(): void | Promise<void>;

  /** Announces a watermark downstream (an operator that owns watermarks). */
  protected emitWatermark(t: number): void | Promise<void> {
    return this.next.control({ type: 'watermark', t });
  }

  control(c: Control): void | Promise<void> {
    const hook = this.hookFor(c);
    if (hook === null) return;
    const pending = hook?.();
    if (pending) return pending.then(() => this.next.control(c));
    return this.next.control(c);
  }

  /** The hook a control record calls: undefined when there is none, null when the record stops here. */
  private hookFor(c: Control): (() => void | Promise<void>) | undefined | null {
    switch (c.type) {
      case 'start':
        return this.onStart && (() => this.onStart!(c));
      case 'batch':
        return this.onBatchEnd && (() => this.onBatchEnd!(c));
      case 'watermark':
        if (this.ownsWatermarks) return null;
        return this.onWatermark && (() => this.onWatermark!(c.t));
      case 'end':
        return this.onEndOfInput && (() => this.onEndOfInput!());
      case 'eos':
        return this.onClose && (() => this.onClose!());
    }
  }
}
