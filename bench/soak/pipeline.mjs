// One sluice pipeline of the soak, run by bash in its own process group. Each
// stage records its pid in a file, so one stage can be killed or stopped, and
// its memory read from /proc.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quote = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;

function procStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0);
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return undefined; // gone
  }
}

export class Pipeline {
  /** stages: [{ name, args }] in pipe order; the first is the source. */
  constructor({ name, dir, stages, sluiceBin }) {
    Object.assign(this, { name, dir, stages, sluiceBin });
    this.logPath = join(dir, `${name}.log`);
    this.restarts = 0;
    this.unexpectedExits = [];
    this.memory = new Map(stages.map((s) => [s.name, { peakKb: 0, samples: [] }]));
  }

  pidFile(stage) {
    return join(this.dir, `${this.name}.${stage}.pid`);
  }

  command() {
    const stage = ({ name, args }) =>
      `sh -c 'echo $$ > "$0"; exec "$@"' ${quote(this.pidFile(name))} ${quote(process.execPath)} ${quote(this.sluiceBin)} ${args.map(quote).join(' ')}`;
    const pids = this.stages.map((s) => quote(this.pidFile(s.name))).join(' ');
    return `rm -f ${pids}; ${this.stages.map(stage).join(' | ')}; echo "statuses \${PIPESTATUS[*]}" >&2`;
  }

  start() {
    const log = openSync(this.logPath, 'a');
    this.child = spawn('bash', ['-c', this.command()], { cwd: this.dir, detached: true, stdio: ['ignore', 'ignore', log] });
    closeSync(log);
    const run = { expectingExit: false };
    this.run = run;
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
    this.exited.then(() => {
      if (run.expectingExit || this.finished) return;
      // A stage ended without being told to: note it and carry on with a new run.
      this.unexpectedExits.push({ at: Date.now(), statuses: this.lastStatuses(), stderr: this.logTail() });
      if (this.unexpectedExits.length < 20) setTimeout(() => this.start(), 1000);
    });
  }

  /** The pid of a stage of the current run (waits for it, bounded). */
  async pid(stage, ms = 10_000) {
    const until = Date.now() + ms;
    for (;;) {
      try {
        const pid = Number(readFileSync(this.pidFile(stage), 'utf8').trim());
        if (pid > 0 && procStatus(pid)) return pid;
      } catch {
        /* not written yet */
      }
      if (Date.now() > until) return undefined;
      await sleep(50);
    }
  }

  /** Waits for the current run to end; after `ms` kills its whole group. */
  async waitExit(ms) {
    const timeout = sleep(ms).then(() => 'timeout');
    if ((await Promise.race([this.exited, timeout])) === 'timeout') {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await this.exited;
      return false;
    }
    return true;
  }

  /** kill -9 of one stage; the others end on EOF or EPIPE; then the same command again. */
  async killAndRestart(stage) {
    const pid = await this.pid(stage);
    this.run.expectingExit = true;
    if (pid) process.kill(pid, 'SIGKILL');
    await this.waitExit(15_000);
    this.restarts++;
    this.start();
    return pid !== undefined;
  }

  /** SIGSTOP for `ms`, then SIGCONT. */
  async pause(stage, ms) {
    const pid = await this.pid(stage);
    if (!pid) return false;
    process.kill(pid, 'SIGSTOP');
    await sleep(ms);
    process.kill(pid, 'SIGCONT');
    return true;
  }

  /** Peak (VmHWM) and current (VmRSS) memory of every live stage. */
  sampleMemory(now) {
    for (const { name } of this.stages) {
      let pid;
      try {
        pid = Number(readFileSync(this.pidFile(name), 'utf8').trim());
      } catch {
        continue;
      }
      const s = pid > 0 ? procStatus(pid) : undefined;
      if (!s || s.rss === 0) continue;
      const m = this.memory.get(name);
      m.peakKb = Math.max(m.peakKb, s.hwm);
      m.samples.push({ at: now, rssKb: s.rss });
    }
  }

  /** The clean stop at the end: SIGTERM to the source, the rest finishes on end of stream. */
  async stop() {
    this.finished = true;
    const pid = await this.pid(this.stages[0].name, 1000);
    if (pid) process.kill(pid, 'SIGTERM');
    const clean = await this.waitExit(30_000);
    return { clean, statuses: this.lastStatuses() };
  }

  lastStatuses() {
    const lines = readFileSync(this.logPath, 'utf8').split('\n').filter((l) => l.startsWith('statuses '));
    return lines.at(-1)?.slice('statuses '.length) ?? '?';
  }

  logTail(n = 5) {
    return readFileSync(this.logPath, 'utf8').split('\n').filter(Boolean).slice(-n).join('\n');
  }
}
