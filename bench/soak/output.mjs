// Reading a soak pipeline's output: while it runs, the newest record seen
// (to time the catch-up after a fault); at the end, the reconciliation.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

/** Follows an output file that a committing sink may cut back after a crash. */
export class OutputWatcher {
  constructor(path) {
    this.path = path;
    this.offset = 0;
    this.partial = '';
    this.newestMadeAt = 0; // largest `t` seen
    this.newestSeq = -1;
  }

  poll() {
    if (!existsSync(this.path)) return;
    const size = statSync(this.path).size;
    if (size < this.offset) {
      // Cut back to the last commit: what is left was read already.
      this.offset = size;
      this.partial = '';
    }
    if (size === this.offset) return;
    const buf = Buffer.alloc(Math.min(size - this.offset, 8 << 20));
    const fd = openSync(this.path, 'r');
    const n = readSync(fd, buf, 0, buf.length, this.offset);
    closeSync(fd);
    this.offset += n;
    const lines = (this.partial + buf.toString('utf8', 0, n)).split('\n');
    this.partial = lines.pop();
    for (const line of lines) {
      const t = Number(/"t":(\d+)/.exec(line)?.[1] ?? 0);
      const seq = Number(/"seq":(\d+)/.exec(line)?.[1] ?? -1);
      if (t > this.newestMadeAt) this.newestMadeAt = t;
      if (seq > this.newestSeq) this.newestSeq = seq;
    }
  }
}

/**
 * Compares the records made (seq 0..made-1) with the output file: lost
 * (never in the output), duplicated (extra copies), and per key, how often a
 * record came after a later record of its key (out of order).
 */
export function reconcile(path, made) {
  const copies = new Uint16Array(made);
  const lastOfKey = new Map();
  let out = 0;
  let unknown = 0;
  let outOfOrder = 0;
  let late = 0;
  let torn = 0;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let r;
    try {
      r = JSON.parse(line);
    } catch {
      torn++;
      continue;
    }
    out++;
    if (r.late === true) late++;
    if (!(Number.isInteger(r.seq) && r.seq >= 0 && r.seq < made)) {
      unknown++;
      continue;
    }
    copies[r.seq]++;
    if (r.kseq <= (lastOfKey.get(r.k) ?? 0)) outOfOrder++;
    lastOfKey.set(r.k, Math.max(r.kseq, lastOfKey.get(r.k) ?? 0));
  }
  const lostSeqs = [];
  let duplicated = 0;
  for (let seq = 0; seq < made; seq++) {
    if (copies[seq] === 0) lostSeqs.push(seq);
    else duplicated += copies[seq] - 1;
  }
  return { in: made, out, lost: lostSeqs.length, lostSeqs, duplicated, outOfOrder, unknown, torn, late };
}
