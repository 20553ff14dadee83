// Target 6: the netcat word count. A TCP server on loopback plays `nc -lk`,
// sending lines of words continuously; the sluice pipeline reads it with
// 1-second batches. A batch's latency is the time from its end (the window end
// in its rows) until its last row reaches us.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { percentile } from './measure.mjs';

const LINES_PER_TICK = 20; // every 10 ms: 2,000 lines (20,000 words) a second

export async function measureLatency({ pipeline, batches, warmup = 2 }) {
  const vocabulary = Array.from({ length: 500 }, (_, i) => 'w' + i.toString(36));
  let seed = 7;
  const pick = () => vocabulary[(seed = (seed * 1103515245 + 12345) >>> 0) % vocabulary.length];
  const clients = new Set();
  const server = createServer((socket) => {
    clients.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => clients.delete(socket));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const feeder = setInterval(() => {
    let text = '';
    for (let i = 0; i < LINES_PER_TICK; i++) {
      let line = pick();
      for (let w = 1; w < 10; w++) line += ' ' + pick();
      text += line + '\n';
    }
    for (const c of clients) c.write(text);
  }, 10);

  const child = spawn('bash', ['-c', pipeline(`127.0.0.1:${port}`)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const lastArrival = new Map(); // window end (ms) -> arrival (ms)
  let partial = '';
  const wanted = warmup + batches + 1;
  await new Promise((resolve) => {
    const stopAt = setTimeout(resolve, (wanted + 10) * 1000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const now = Date.now();
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        const end = Date.parse(JSON.parse(line).window.end);
        lastArrival.set(end, now);
      }
      if (lastArrival.size >= wanted) {
        clearTimeout(stopAt);
        resolve();
      }
    });
    child.on('close', () => {
      clearTimeout(stopAt);
      resolve();
    });
  });
  clearInterval(feeder);
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  for (const c of clients) c.destroy();
  server.close();
  // The first batches include start-up; the last one seen may be incomplete.
  const ends = [...lastArrival.keys()].sort((a, b) => a - b).slice(warmup, warmup + batches);
  const latencies = ends.map((end) => lastArrival.get(end) - end);
  if (latencies.length < batches) throw new Error(`latency: only ${latencies.length} of ${batches} batches arrived; stderr: ${stderr}`);
  return { batches: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies) };
}
