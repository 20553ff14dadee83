// The "Kafka broker down at start" row, with no broker at all: source kafka
// and sink kafka pointed at a closed port retry a bounded number of times,
// then stop with a clear error and exit 1 within a bounded time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { assertDiagnosticsOnly, lines, runSluice } from './harness.js';

/** A loopback port that nothing listens on (bound once, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const BOUND_MS = 60_000;

test('kafka broker down at start: source and sink retry a bounded time, then one clear error and exit 1', async () => {
  const port = await closedPort();
  const brokers = `127.0.0.1:${port}`;
  const timed = async (run: Promise<Awaited<ReturnType<typeof runSluice>>>) => {
    const started = Date.now();
    const r = await run;
    return { ...r, ms: Date.now() - started };
  };
  const [source, sink] = await Promise.all([
    timed(runSluice(['source', 'kafka', '--brokers', brokers, '--topic', 't', '--data-only'], { timeoutMs: BOUND_MS + 30_000 })),
    timed(runSluice(['sink', 'kafka', '--brokers', brokers, '--topic', 't'], { input: '{"a":1}\n', timeoutMs: BOUND_MS + 30_000 })),
  ]);
  console.log(`# broker down: source gave up after ${(source.ms / 1000).toFixed(1)} s, sink after ${(sink.ms / 1000).toFixed(1)} s`);

  assert.equal(source.signal, null, 'the source was not killed by the test timeout');
  assert.equal(source.code, 1, source.stderr);
  assert.ok(source.ms < BOUND_MS, `source took ${source.ms} ms`);
  assert.equal(source.stdout, '', 'no records invented');
  assertDiagnosticsOnly(source.stderr);
  const srcLines = lines(source.stderr);
  assert.ok(srcLines.length <= 3, source.stderr);
  assert.match(srcLines.at(-1)!, new RegExp(`^sluice source: kafka ${brokers}: cannot consume t: .*ECONNREFUSED`));

  assert.equal(sink.signal, null, 'the sink was not killed by the test timeout');
  assert.equal(sink.code, 1, sink.stderr);
  assert.ok(sink.ms < BOUND_MS, `sink took ${sink.ms} ms`);
  assertDiagnosticsOnly(sink.stderr);
  const sinkLines = lines(sink.stderr);
  // kafkajs's own log lines (each said once) may precede the final one.
  assert.ok(sinkLines.length <= 3, sink.stderr);
  assert.match(sinkLines.at(-1)!, new RegExp(`^sluice sink: kafka ${brokers}: .*ECONNREFUSED`));
});
