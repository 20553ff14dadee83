import type { Clock, TimerHandle } from '../clock.js';
import type { AreaPeers } from './area-exchange.js';
import { fitWidth } from './format.js';

/** Where the live area is drawn: a terminal's stderr, given as a raw writer and its width. */
export interface TerminalOut {
  write(text: string): void;
  columns: number;
}

export interface LiveAreaOptions {
  /** This process's stdout is the terminal (a console sink): it takes the role of drawer, so its output and the area take turns. */
  owner: boolean;
  /** A process that is not the owner waits this long before it draws, so an owner starting at the same time usually gets the role first. */
  claimDelayMs: number;
}

// eslint-disable-next-line no-control-regex
const TRAILING_CSI = /(\x1b\[[0-9;?]*[A-Za-z])+$/;

/**
 * Erases `n` lines drawn with the cursor left at the end of the last one,
 * line by line upwards: an erase-below from the top of the screen would make
 * tmux (scroll-on-clear) push the whole screen into the scrollback.
 */
function eraseLines(n: number): string {
  return n === 0 ? '' : '\r\x1b[2K' + '\x1b[1A\x1b[2K'.repeat(n - 1);
}

/**
 * The live area of a terminal: the status lines and progress bars of every
 * stage of a pipeline, drawn as one block at the bottom by one process (the
 * drawer), on a timer, never per record. Without peers (no shared terminal
 * key) the process draws its own lines alone. The drawer erases the block
 * before anything else is written to the terminal by it (a table on stdout, a
 * diagnostic) and redraws it after, so neither tears the other; the other
 * processes hand their diagnostics to the drawer instead of writing them
 * through its block. Every step that draws runs in the area's exclusive turn
 * and checks first that this process still holds the role.
 */
export class LiveArea {
  private readonly own = new Map<object, () => string>();
  private block: string[] = [];
  private drawn = 0;
  private drawer = false;
  private atLineStart = true;
  private timer: TimerHandle | undefined;
  private intervalMs = 250;
  private stopped = false;
  private inTurn = false;
  private readonly claimFrom: number;

  constructor(
    private readonly out: TerminalOut,
    private readonly clock: Clock,
    private peers: AreaPeers | undefined,
    private readonly o: LiveAreaOptions,
  ) {
    this.claimFrom = clock.monotonic() + (o.owner ? 0 : o.claimDelayMs);
  }

  /** Adds a line of this process, rendered at least every `intervalMs`. */
  add(key: object, render: () => string, intervalMs: number): void {
    if (this.stopped) return;
    this.own.set(key, render);
    this.start(Math.min(this.intervalMs, intervalMs));
  }

  /** Removes a line; an area with no lines left that is not the owner stops. */
  remove(key: object): void {
    this.own.delete(key);
    if (this.own.size === 0 && !this.o.owner) this.stop();
    else this.tick();
  }

  /** Starts the timer (the owner runs it with no line of its own, to draw the others'). */
  start(intervalMs = this.intervalMs): void {
    if (this.stopped) return;
    const faster = intervalMs < this.intervalMs;
    this.intervalMs = intervalMs;
    if (this.timer && !faster) return;
    this.timer?.cancel();
    const tick = () => {
      this.tick();
      if (!this.stopped) this.timer = this.clock.setTimer(this.intervalMs, tick);
    };
    this.timer = this.clock.setTimer(this.intervalMs, tick);
  }

  /** Publishes this process's lines and, when it is (or may become) the drawer, draws everyone's. */
  tick(): void {
    if (this.stopped) return;
    const mine = [...this.own.values()].map((render) => render());
    let all = mine;
    try {
      if (this.peers) {
        this.peers.publish(mine);
        all = this.peers.lines();
      }
    } catch {
      this.peers = undefined; // the shared directory failed us: draw alone
    }
    this.turn(() => {
      const mayTake = this.clock.monotonic() >= this.claimFrom && (all.length > 0 || this.drawer);
      if (!this.holdsRole(mayTake)) return;
      const posted = this.peers?.take() ?? [];
      if (posted.length > 0) this.write(posted.map((l) => l + '\n').join(''));
      this.show(all);
    });
  }

  /**
   * A diagnostic line: above the area, never through it. It is handed over in
   * the exclusive turn, as the drawer's last take and release are in its
   * turn: a line posted to a drawer that is leaving would never be printed.
   */
  readonly warn = (line: string): void => {
    this.turn(() => {
      if (!this.stopped && !this.drawer && this.peers) {
        try {
          if (this.peers.post(line)) return;
        } catch {
          /* print it here */
        }
      }
      this.holdsRole(false);
      this.write(line + '\n');
    });
  };

  /**
   * Before this process writes to the terminal's stdout: the block goes away.
   * An owner that does not draw yet takes the role first, erasing the block
   * another process drew, so the output never lands inside it.
   */
  beforeOutput(): void {
    if (this.stopped) return;
    // Nothing drawn by this process and no other's block to take over: no file is touched per write.
    if (!this.drawer && !(this.o.owner && this.othersShown())) return;
    this.turn(() => {
      if (this.holdsRole(!this.drawer)) this.erase();
    });
  }

  private othersShown(): boolean {
    try {
      return this.peers !== undefined && this.peers.lines().length > 0;
    } catch {
      this.peers = undefined;
      return false;
    }
  }

  /** After it wrote `text`: the block comes back below it, once the output ended its line. */
  afterOutput(text: string): void {
    // A trailing control sequence (the chart's erase-below after its last line) leaves the cursor where it was.
    if (text.length > 0) this.atLineStart = text.replace(TRAILING_CSI, '').endsWith('\n');
    if (this.stopped || !this.drawer) return;
    this.turn(() => {
      if (this.holdsRole(false)) this.redraw();
    });
  }

  /** Stops drawing, erases the block, prints what others posted, leaves the exchange. */
  stop(): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.turn(() => {
      if (!this.holdsRole(false)) return;
      this.erase();
      // Released before the last take, in the same turn: whoever posts after it finds no drawer and prints itself.
      this.peers?.release();
      const posted = this.peers?.take() ?? [];
      if (posted.length > 0) this.out.write(posted.map((l) => l + '\n').join(''));
    });
    this.stopped = true;
    this.block = [];
    try {
      this.peers?.leave();
    } catch {
      /* nothing more to clean */
    }
  }

  /** Runs `fn` in the area's exclusive turn (not nested). */
  private turn(fn: () => void): void {
    if (this.inTurn || !this.peers) return void fn();
    this.inTurn = true;
    try {
      this.peers.exclusive(fn);
    } catch {
      this.peers = undefined;
    } finally {
      this.inTurn = false;
    }
  }

  /**
   * Whether this process draws now. With `take` it claims the role when free
   * (an owner: from whoever has it) and erases what the former drawer left;
   * a drawer whose role was taken forgets its block, which the taker erased.
   */
  private holdsRole(take: boolean): boolean {
    if (!this.peers) return (this.drawer = true);
    const claim = take || this.drawer ? this.peers.claim(this.o.owner && take) : { ok: false, erase: 0 };
    if (!claim.ok) {
      if (this.drawer) {
        this.drawer = false;
        this.drawn = 0;
        this.block = [];
      }
      return false;
    }
    if (!this.drawer) {
      this.drawer = true;
      this.drawn = 0;
      if (claim.erase > 0) this.out.write(eraseLines(claim.erase));
    }
    return true;
  }

  /** Writes `text` above the block (the drawer erases it first and redraws it after). */
  private write(text: string): void {
    this.erase();
    this.out.write(text);
    this.atLineStart = true;
    this.redraw();
  }

  private show(lines: string[]): void {
    const width = Math.max(10, this.out.columns - 1);
    // The last column stays empty: writing into it makes some terminals wrap.
    const block = lines.map((l) => fitWidth(l, width));
    if (this.drawn > 0 && block.length === this.block.length && block.every((l, i) => l === this.block[i])) return;
    this.erase();
    this.block = block;
    this.redraw();
  }

  private redraw(): void {
    if (this.stopped || this.drawn > 0 || this.block.length === 0 || !this.atLineStart || !this.drawer) return;
    this.out.write(this.block.join('\n'));
    this.setDrawn(this.block.length);
  }

  private erase(): void {
    if (this.drawn === 0) return;
    this.out.write(eraseLines(this.drawn));
    this.setDrawn(0);
  }

  /** Keeps the height of the block on the screen, and tells the peers, who erase it if they take the role over. */
  private setDrawn(n: number): void {
    this.drawn = n;
    try {
      this.peers?.drawn(n, this.o.owner);
    } catch {
      this.peers = undefined;
    }
  }
}
