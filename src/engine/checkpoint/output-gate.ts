import type { Control } from '../control.js';
import type { Downstream } from '../stream.js';

type Held = { record: unknown; raw: string | undefined } | { control: Control };

/**
 * Sits between a stateful operator and the stage's writer. From a batch boundary
 * on, it holds everything the operator sends until release(): the stage saves
 * the operator's state for that batch first, so no stage downstream (and no
 * sink commit) can get ahead of a state file.
 */
export class OutputGate implements Downstream {
  private held: Held[] | undefined;

  constructor(private readonly next: Downstream) {}

  get holding(): boolean {
    return this.held !== undefined;
  }

  data(record: unknown, raw: string | undefined): void {
    if (this.held) this.held.push({ record, raw });
    else this.next.data(record, raw);
  }

  control(c: Control): void | Promise<void> {
    if (this.held) {
      this.held.push({ control: c });
      return;
    }
    if (c.type === 'batch') {
      this.held = [{ control: c }];
      return;
    }
    return this.next.control(c);
  }

  /** Passes on what was held, in order. */
  async release(): Promise<void> {
    const held = this.held ?? [];
    this.held = undefined;
    for (const item of held) {
      if ('control' in item) {
        const p = this.next.control(item.control);
        if (p) await p;
      } else {
        this.next.data(item.record, item.raw);
      }
    }
  }
}
