import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

let serial = 0;

/**
 * A real terminal for tests: a detached tmux session on a private server
 * socket, driven with send-keys and read with capture-pane.
 */
export class TmuxPane {
  private constructor(
    private readonly socket: string,
    readonly width: number,
    readonly height: number,
  ) {}

  /** Starts `command` (run by bash) in a new pane of the given size. */
  static start(command: string, o: { width?: number; height?: number; env?: Record<string, string> } = {}): TmuxPane {
    const socket = `sluice-test-${process.pid}-${serial++}`;
    const width = o.width ?? 120;
    const height = o.height ?? 30;
    const env = Object.entries({ TERM: 'xterm-256color', NO_COLOR: '1', ...o.env }).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const pane = new TmuxPane(socket, width, height);
    pane.tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(width), '-y', String(height), `env ${env.join(' ')} bash --norc --noprofile -c ${shellQuote(command)}; sleep 600`);
    pane.tmux('set-option', '-g', 'history-limit', '5000');
    return pane;
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Types text literally, then the named keys (Enter, Tab, C-c...). */
  type(text: string, ...keys: string[]): void {
    if (text) this.tmux('send-keys', '-t', 'main', '-l', text);
    if (keys.length) this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** The visible screen, trailing blank lines removed. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main').replace(/\n+$/, '');
  }

  /** Everything the pane shows plus what scrolled off the top. */
  scrollback(): string {
    return this.tmux('capture-pane', '-p', '-S', '-', '-t', 'main').replace(/\n+$/, '');
  }

  /** Lines that scrolled off the top of the screen. */
  historySize(): number {
    return Number(this.tmux('display-message', '-p', '-t', 'main', '#{history_size}').trim());
  }

  /** Polls the screen until `ok` holds; throws with the screen after `timeoutMs`. */
  async waitFor(ok: (screen: string) => boolean, timeoutMs = 10_000, what = 'the expected screen'): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (ok(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen shows:\n${s}`);
      await sleep(100);
    }
  }

  /** Every distinct screen seen while polling until `done` holds (the last one included). */
  async screensUntil(done: (screen: string) => boolean, timeoutMs = 20_000, what = 'the end'): Promise<string[]> {
    const seen: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (seen[seen.length - 1] !== s) seen.push(s);
      if (done(s)) return seen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen shows:\n${s}`);
      await sleep(50);
    }
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
