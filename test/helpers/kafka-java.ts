// The partition a Java Kafka producer picks for a key, from the real Kafka
// client jar (.cache/kafka/libs), via test/kafka/JavaPartitions.java.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './run.js';

export function javaPartitions(keys: string[], partitions: number): Promise<Map<string, number>> {
  const source = join(repoRoot, 'test', 'kafka', 'JavaPartitions.java');
  const classpath = join(repoRoot, '.cache', 'kafka', 'libs', '*');
  return new Promise((resolve, reject) => {
    const child = execFile('java', ['-cp', classpath, source, String(partitions)], { timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`java JavaPartitions failed: ${err.message}\n${stderr}`));
      const out = new Map<string, number>();
      for (const line of stdout.split('\n')) {
        const at = line.lastIndexOf(' ');
        if (at > 0) out.set(line.slice(0, at), Number(line.slice(at + 1)));
      }
      resolve(out);
    });
    child.stdin!.end(keys.join('\n') + '\n');
  });
}
