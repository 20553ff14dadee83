// The hand-over of diagnostics between the stages of one live area
// (src/engine/terminal/live-area.ts) at the moment the drawer leaves: a line
// another stage hands over then is printed once, by the drawer or by the stage
// itself, never lost. The exchange is an in-memory one with the file
// exchange's rules (area-exchange.ts); its exclusive turn queues a turn asked
// for while another runs, as the file lock makes the other process wait, so a
// stage's warning can be made to land at any step of the drawer's turn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualClock } from '../../src/engine/clock.js';
import type { AreaPeers, Claim } from '../../src/engine/terminal/area-exchange.js';
import { LiveArea } from '../../src/engine/terminal/live-area.js';

type Step = 'publish' | 'lines' | 'claim' | 'drawn' | 'release' | 'post' | 'take';

class Exchange {
  drawer: { id: number; lines: number; owner: boolean } | undefined;
  readonly published = new Map<number, string[]>();
  messages: string[] = [];
  turnHolder: number | undefined;
  private readonly waiting: (() => void)[] = [];
  /** Runs once, right after the given step of the given process (the interleaving under test). */
  interleave: { id: number; after: Step; run: () => void } | undefined;

  stepDone(id: number, step: Step): void {
    const i = this.interleave;
    if (i && i.id === id && i.after === step) {
      this.interleave = undefined;
      i.run();
    }
  }

  wait(fn: () => void): void {
    this.waiting.push(fn);
  }

  turnOver(): void {
    this.turnHolder = undefined;
    this.waiting.shift()?.();
  }
}

class MemoryPeers implements AreaPeers {
  constructor(
    private readonly ex: Exchange,
    private readonly id: number,
  ) {}

  private done<T>(step: Step, value: T): T {
    this.ex.stepDone(this.id, step);
    return value;
  }

  publish(lines: string[]): void {
    if (lines.length === 0) this.ex.published.delete(this.id);
    else this.ex.published.set(this.id, lines);
    this.done('publish', undefined);
  }

  lines(): string[] {
    return this.done('lines', [...this.ex.published.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, l]) => l));
  }

  claim(owner: boolean): Claim {
    const holder = this.ex.drawer;
    let claim: Claim;
    if (holder?.id === this.id) claim = { ok: true, erase: 0 };
    else if (holder && (!owner || holder.owner)) claim = { ok: false, erase: 0 };
    else {
      this.ex.drawer = { id: this.id, lines: 0, owner };
      claim = { ok: true, erase: holder?.lines ?? 0 };
    }
    return this.done('claim', claim);
  }

  drawn(lines: number, owner: boolean): void {
    if (this.ex.drawer?.id === this.id) this.ex.drawer = { id: this.id, lines, owner };
    this.done('drawn', undefined);
  }

  release(): void {
    if (this.ex.drawer?.id === this.id) this.ex.drawer = undefined;
    this.done('release', undefined);
  }

  post(line: string): boolean {
    const holder = this.ex.drawer?.id;
    if (holder === undefined || holder === this.id) return this.done('post', false);
    this.ex.messages.push(line);
    return this.done('post', true);
  }

  take(): string[] {
    const taken = this.ex.messages;
    this.ex.messages = [];
    return this.done('take', taken);
  }

  exclusive<T>(fn: () => T): T {
    if (this.ex.turnHolder !== undefined && this.ex.turnHolder !== this.id) {
      this.ex.wait(() => void this.exclusive(fn));
      return undefined as T;
    }
    this.ex.turnHolder = this.id;
    try {
      return fn();
    } finally {
      this.ex.turnOver();
    }
  }

  leave(): void {
    this.publish([]);
    this.release();
  }
}

/** The lines a terminal shows after `written`, for what the live area writes: text, \n, \r, erase line (ESC[2K), line up (ESC[1A). */
function screenOf(written: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  let col = 0;
  // eslint-disable-next-line no-control-regex
  for (const part of written.split(/(\x1b\[[0-9;?]*[A-Za-z]|\r|\n)/)) {
    if (part === '\n') {
      row++;
      col = 0;
      if (rows.length === row) rows.push('');
    } else if (part === '\r') col = 0;
    else if (part === '\x1b[2K') rows[row] = '';
    else if (part === '\x1b[1A') row = Math.max(0, row - 1);
    else if (part.startsWith('\x1b[')) throw new Error(`unexpected sequence ${JSON.stringify(part)}`);
    else if (part) {
      rows[row] = rows[row]!.slice(0, col).padEnd(col) + part + rows[row]!.slice(col + part.length);
      col += part.length;
    }
  }
  return rows;
}

/** Two stages on one terminal: the owner (a console sink) draws; the other has a status line and warnings. */
function twoStages(ex: Exchange) {
  let written = '';
  const out = { write: (t: string) => void (written += t), columns: 120 };
  const clock = new VirtualClock();
  const drawer = new LiveArea(out, clock, new MemoryPeers(ex, 2), { owner: true, claimDelayMs: 0 });
  const stage = new LiveArea(out, clock, new MemoryPeers(ex, 1), { owner: false, claimDelayMs: 1000 });
  stage.add({}, () => 'sluice map  in 5/s  out 5/s', 250);
  drawer.start();
  clock.advance(1000);
  return { drawer, stage, screen: () => screenOf(written), text: () => JSON.stringify(written) };
}

/** A step the drawer did not take: the warning comes after it all. */
function runIfNotReached(ex: Exchange): void {
  const late = ex.interleave;
  ex.interleave = undefined;
  late?.run();
}

const steps: Step[] = ['publish', 'lines', 'claim', 'drawn', 'release', 'post', 'take'];

test('a warning handed over while the drawer leaves is printed once: at every step of its last turn', () => {
  for (const after of steps) {
    const ex = new Exchange();
    const { drawer, stage, screen, text } = twoStages(ex);
    assert.equal(ex.drawer?.id, 2, 'the owner draws');
    stage.warn('sluice map: early warning');
    ex.interleave = { id: 2, after, run: () => stage.warn('sluice map: 6 bad records skipped') };
    drawer.stop();
    runIfNotReached(ex);
    stage.stop();
    const printed = screen();
    assert.equal(printed.filter((l) => l === 'sluice map: early warning').length, 1, `${after}: ${text()}`);
    assert.equal(printed.filter((l) => l === 'sluice map: 6 bad records skipped').length, 1, `${after}: ${text()}`);
    assert.deepEqual(ex.messages, [], `${after}: nothing left waiting`);
    assert.deepEqual(printed.filter((l) => l.includes('in 5/s')), [], `${after}: the block is erased at the end`);
  }
});

test('a warning handed over at every step of a drawer tick is printed once', () => {
  for (const after of steps) {
    const ex = new Exchange();
    const { drawer, stage, screen, text } = twoStages(ex);
    ex.interleave = { id: 2, after, run: () => stage.warn('sluice map: a warning') };
    drawer.tick();
    runIfNotReached(ex);
    stage.stop();
    drawer.stop();
    assert.equal(screen().filter((l) => l === 'sluice map: a warning').length, 1, `${after}: ${text()}`);
  }
});
