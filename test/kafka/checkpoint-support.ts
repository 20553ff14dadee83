// Shared by the Kafka checkpoint tests: a keyed producer of numbered records,
// counting what reached the output file, and the sink's latest commit.
import { readFileSync } from 'node:fs';
import { Partitioners, type Producer } from 'kafkajs';
import { latestCommit, type Commit } from '../../src/engine/checkpoint/commit-log.js';
import { kafkaClient } from '../helpers/kafka.js';

/** Sends records {seq: 0, 1, 2, ...} keyed over 13 keys, so every partition gets some. */
export class SeqProducer {
  produced = 0;
  private readonly producer: Producer;
  private readonly connected: Promise<void>;

  constructor(
    brokers: string,
    private readonly topic: string,
  ) {
    this.producer = kafkaClient(brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    this.connected = this.producer.connect();
  }

  async send(n: number): Promise<void> {
    await this.connected;
    const first = this.produced;
    await this.producer.send({ topic: this.topic, messages: Array.from({ length: n }, (_, i) => ({ key: `k${(first + i) % 13}`, value: JSON.stringify({ seq: first + i }) })) });
    this.produced += n;
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

/** How often each seq is in the NDJSON file (a torn last line, possible after kill -9, is not counted). */
export function seqCounts(path: string): Map<number, number> {
  const counts = new Map<number, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let seq: unknown;
    try {
      seq = (JSON.parse(line) as { seq?: unknown }).seq;
    } catch {
      continue;
    }
    if (typeof seq !== 'number') continue; // control records, seen through tee
    counts.set(seq, (counts.get(seq) ?? 0) + 1);
  }
  return counts;
}

/** Asserts-ready summary: seqs missing from 0..produced-1 and seqs present more than once. */
export function exactlyOnceReport(counts: Map<number, number>, produced: number): { missing: number[]; repeated: number[]; extra: number[] } {
  const missing: number[] = [];
  for (let s = 0; s < produced; s++) if (!counts.has(s)) missing.push(s);
  const repeated = [...counts].filter(([, n]) => n > 1).map(([s]) => s);
  const extra = [...counts.keys()].filter((s) => s < 0 || s >= produced);
  return { missing, repeated, extra };
}

export function sinkCommit(checkpoint: string): Commit | undefined {
  return latestCommit(checkpoint);
}

/** The committed next offset per partition of `topic` in a commit's positions. */
export function commitOffsets(commit: Commit | undefined, topic: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const [key, value] of Object.entries(commit?.positions ?? {})) {
    const m = /^kafka:(.+):(\d+)$/.exec(key);
    if (m && m[1] === topic) out.set(Number(m[2]), Number(value));
  }
  return out;
}

export const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + Math.max(0, b), 0);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
