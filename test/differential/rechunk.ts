// A byte-preserving pipe stage for the differential test: copies stdin to
// stdout in writes of random size (1 to 300 bytes) with occasional pauses, so
// the next stage sees lines, multi-byte characters and control records torn
// across reads. Usage: node rechunk.js SEED
import { rng } from '../window/events.js';

const r = rng(Number(process.argv[2] ?? 1));
const pending: Buffer[] = [];
let writing = false;
let ended = false;

async function drain(): Promise<void> {
  if (writing) return;
  writing = true;
  while (pending.length > 0) {
    let buf = Buffer.concat(pending.splice(0));
    while (buf.length > 0) {
      const n = 1 + Math.floor(r() * 300);
      const ok = process.stdout.write(buf.subarray(0, n));
      buf = buf.subarray(n);
      if (!ok) await new Promise((res) => process.stdout.once('drain', res));
      else if (r() < 0.1) await new Promise((res) => setTimeout(res, 1));
    }
  }
  writing = false;
  if (ended) process.stdout.end();
}

process.stdin.on('data', (d: Buffer) => {
  pending.push(Buffer.from(d));
  void drain();
});
process.stdin.on('end', () => {
  ended = true;
  if (!writing) process.stdout.end();
});
process.stdout.on('error', () => process.exit(0));
