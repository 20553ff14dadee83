// The soak's inputs: a TCP client and a log writer, each producing records at
// a fixed rate. Every record carries a unique `seq`, a key `k`, a per-key
// sequence `kseq` and the time `t` (epoch ms) it was made, so the output can
// be reconciled and the catch-up after a fault timed.
import { connect } from 'node:net';
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

function recordMaker(rng) {
  let seq = 0;
  const perKey = new Map();
  const madeAt = []; // t of every seq, to tell which fault a lost record belongs to
  const make = () => {
    const k = KEYS[Math.floor(rng() * KEYS.length)];
    const kseq = (perKey.get(k) ?? 0) + 1;
    perKey.set(k, kseq);
    const t = Date.now();
    madeAt.push(t);
    return { seq: seq++, k, kseq, t };
  };
  return { make, madeAt };
}

/** Calls emit(n) every 50 ms with the number of records due at `perSecond` since the start. */
function ticker(perSecond, emit) {
  const started = Date.now();
  let due = 0;
  const timer = setInterval(() => {
    const target = Math.floor(((Date.now() - started) * perSecond) / 1000);
    if (target > due) emit(target - due);
    due = Math.max(due, target);
  }, 50);
  return () => clearInterval(timer);
}

/**
 * A client of `source socket --listen PORT`. Records made while no connection
 * is open (or while the socket pushes back) wait in a queue, as in a log
 * shipper; the client reconnects every 100 ms until the server is back. A
 * record counts as sent once it was handed to a connected socket.
 */
export function tcpGenerator({ port, perSecond, rng }) {
  const { make, madeAt } = recordMaker(rng);
  const queue = [];
  let socket;
  let blocked = false;
  let stopped = false;
  let sent = 0;
  let connections = 0;

  const flush = () => {
    if (!socket || blocked || queue.length === 0) return;
    const lines = queue.splice(0, queue.length);
    sent += lines.length;
    if (!socket.write(lines.join(''))) blocked = true;
  };
  const open = () => {
    if (stopped) return;
    const s = connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      socket = s;
      blocked = false;
      connections++;
      flush();
    });
    s.on('drain', () => {
      blocked = false;
      flush();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (socket === s) socket = undefined;
      if (!stopped) setTimeout(open, 100);
    });
  };
  open();
  const stopTicking = ticker(perSecond, (n) => {
    for (let i = 0; i < n; i++) queue.push(JSON.stringify(make()) + '\n');
    flush();
  });

  return {
    madeAt,
    get sent() {
      return sent;
    },
    get connections() {
      return connections;
    },
    /** The fault: close the connection (what was written is still delivered); the client reconnects. */
    drop() {
      const s = socket;
      socket = undefined;
      s?.end();
      return s !== undefined;
    },
    /** Stops making records, sends the queue (bounded wait), closes. Returns what was never sent. */
    async finish(ms = 30_000) {
      stopTicking();
      const until = Date.now() + ms;
      while ((queue.length > 0 || socket?.writableLength) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      stopped = true;
      socket?.end();
      return queue.length;
    },
  };
}

/** Appends records to `path` at a fixed rate; rotate() renames the file away (path.1, path.2, ...) and starts a new one. */
export function fileWriter({ path, perSecond, rng }) {
  const { make, madeAt } = recordMaker(rng);
  let fd = openSync(path, 'a');
  let written = 0;
  let rotations = 0;
  const stopTicking = ticker(perSecond, (n) => {
    let text = '';
    for (let i = 0; i < n; i++) text += JSON.stringify(make()) + '\n';
    writeSync(fd, text);
    written += n;
  });
  return {
    madeAt,
    get written() {
      return written;
    },
    rotate() {
      renameSync(path, `${path}.${++rotations}`);
      const old = fd;
      fd = openSync(path, 'a');
      closeSync(old);
    },
    finish() {
      stopTicking();
      closeSync(fd);
    },
  };
}
