import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * How the processes of one pipeline on one terminal share its live area
 * (live-area.ts): a private directory keyed by the terminal and the process
 * group, in which each process keeps its current lines in `<pid>.line`, the
 * process that draws holds `drawer` (with the height of the block it has on
 * the screen), and diagnostics for the drawer to print wait as `msg-*` files.
 * The process whose stdout is the terminal (the owner) takes the role from any
 * other at once, erasing the block it left; so does whoever follows a drawer
 * that died. Files appear whole (by rename or O_EXCL); files of processes that
 * are gone are ignored and removed.
 */

export interface Claim {
  ok: boolean;
  /** Lines of the previous drawer's block, ending at the cursor, to erase before drawing. */
  erase: number;
}
export interface AreaPeers {
  /** Publishes this process's lines ([] withdraws them). */
  publish(lines: string[]): void;
  /** Every live process's lines, this one's included, in pipeline order (by pid). */
  lines(): string[];
  /** Whether this process may draw now, and how many lines of a former drawer's block it must erase first. */
  claim(owner: boolean): Claim;
  /** Records how many lines this process, the drawer, has on the screen, for whoever takes the role over. */
  drawn(lines: number, owner: boolean): void;
  /** Gives the drawer role up (after erasing what was drawn). */
  release(): void;
  /** Hands a diagnostic to the drawer; false when no other process draws (print it yourself). */
  post(line: string): boolean;
  /** Diagnostics posted by other processes, each taken once. */
  take(): string[];
  /** Runs `fn` while no other process of the area runs one: a role change never falls between a drawer's check and its drawing. */
  exclusive<T>(fn: () => T): T;
  /** Withdraws this process (its lines, the role). */
  leave(): void;
}

/** How long exclusive() waits for another process's turn before going ahead anyway (a stuck peer must not stop the stage). */
const TURN_WAIT_MS = 300;
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

/** The process group and controlling terminal of this process (Linux /proc), or undefined. */
export function pipelineKey(): string | undefined {
  const stat = readText('/proc/self/stat');
  if (!stat) return undefined;
  // pid (comm) state ppid pgrp session tty_nr ...; comm may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgrp = fields[2];
  const tty = fields[4];
  if (!pgrp || !tty || tty === '0') return undefined;
  return `tty${tty}-pg${pgrp}`;
}

/** A directory only this user can have made, or undefined (then each process draws alone). */
function privateRoot(): string | undefined {
  const root = join(tmpdir(), `sluice-live-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const st = lstatSync(root);
    if (!st.isDirectory() || st.isSymbolicLink() || (process.getuid && st.uid !== process.getuid()) || (st.mode & 0o077) !== 0) return undefined;
    return root;
  } catch {
    return undefined;
  }
}

export class FileAreaPeers implements AreaPeers {
  private seq = 0;
  private readonly pid = process.pid;

  private constructor(private readonly dir: string) {}

  /** The exchange of this process's pipeline, or undefined when there is no terminal key or no private place for it. */
  static forThisPipeline(): FileAreaPeers | undefined {
    const key = pipelineKey();
    const root = key && privateRoot();
    return root ? new FileAreaPeers(join(root, key!)) : undefined;
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes a file whole: a temp name, then a rename. */
  private put(name: string, text: string): void {
    const tmp = this.path(`.tmp-${this.pid}-${this.seq++}`);
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        writeFileSync(tmp, text, { mode: 0o600 });
        renameSync(tmp, this.path(name));
        return;
      } catch (err) {
        // The last process to leave removed the empty directory in between.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      }
    }
  }

  private names(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }

  publish(lines: string[]): void {
    if (lines.length === 0) removeQuietly(this.path(`${this.pid}.line`));
    else this.put(`${this.pid}.line`, lines.join('\n'));
  }

  lines(): string[] {
    const out: { pid: number; lines: string[] }[] = [];
    for (const name of this.names()) {
      const m = /^(\d+)\.line$/.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      const text = alive(pid) ? readText(this.path(name)) : undefined;
      if (text === undefined) removeQuietly(this.path(name));
      else out.push({ pid, lines: text.split('\n') });
    }
    return out.sort((a, b) => a.pid - b.pid).flatMap((x) => x.lines);
  }

  claim(owner: boolean): Claim {
    const holder = this.drawerFile();
    if (holder?.pid === this.pid) return { ok: true, erase: 0 };
    if (holder && alive(holder.pid)) {
      // The owner's output must not land inside another process's block: it takes the role, erasing that block.
      if (!owner || holder.owner) return { ok: false, erase: 0 };
      this.put('drawer', `${this.pid} 0 1`);
      return { ok: true, erase: holder.lines };
    }
    // Free, or held by a process that is gone (killed before it could leave): its block is erased too.
    if (holder) removeQuietly(this.path('drawer'));
    if (!this.create('drawer', `${this.pid} 0 ${owner ? 1 : 0}`)) return { ok: false, erase: 0 };
    return { ok: true, erase: holder?.lines ?? 0 };
  }

  drawn(lines: number, owner: boolean): void {
    if (this.drawerFile()?.pid === this.pid) this.put('drawer', `${this.pid} ${lines} ${owner ? 1 : 0}`);
  }

  /** `drawer` holds `PID LINES OWNER`: who draws, how many lines it has on the screen, whether its stdout is the terminal. */
  private drawerFile(): { pid: number; lines: number; owner: boolean } | undefined {
    const m = /^(\d+) (\d+) ([01])$/.exec(readText(this.path('drawer')) ?? '');
    return m ? { pid: Number(m[1]), lines: Number(m[2]), owner: m[3] === '1' } : undefined;
  }

  exclusive<T>(fn: () => T): T {
    const deadline = Date.now() + TURN_WAIT_MS;
    let held = false;
    while (!(held = this.create('turn', String(this.pid)))) {
      // A turn held by a process that died is over; an empty file is one being written.
      const holder = Number(readText(this.path('turn')) || NaN);
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) removeQuietly(this.path('turn'));
      if (Date.now() > deadline) break;
      Atomics.wait(PAUSE, 0, 0, 2);
    }
    try {
      return fn();
    } finally {
      if (held) removeQuietly(this.path('turn'));
    }
  }

  /** Creates a file that must not exist yet (O_EXCL): of two processes trying at once, one gets it. */
  private create(name: string, text: string): boolean {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(this.path(name), text, { flag: 'wx', mode: 0o600 });
      return true;
    } catch {
      return false;
    }
  }

  release(): void {
    if (this.drawerFile()?.pid === this.pid) removeQuietly(this.path('drawer'));
  }

  post(line: string): boolean {
    const holder = this.drawerFile()?.pid;
    if (holder === undefined || holder === this.pid || !alive(holder)) return false;
    this.put(`msg-${String(Date.now()).padStart(15, '0')}-${this.pid}-${this.seq++}`, line);
    return true;
  }

  take(): string[] {
    const out: string[] = [];
    for (const name of this.names().filter((n) => n.startsWith('msg-')).sort()) {
      const mine = this.path(`.taking-${this.pid}-${this.seq++}`);
      try {
        renameSync(this.path(name), mine);
      } catch {
        continue; // another process took it
      }
      const text = readText(mine);
      removeQuietly(mine);
      if (text !== undefined) out.push(text);
    }
    return out;
  }

  leave(): void {
    this.publish([]);
    this.release();
    try {
      rmdirSync(this.dir);
    } catch {
      /* others are still here */
    }
  }
}
