import { statSync } from 'node:fs';

/** True when stdin is a regular file (`< file`): a bounded input, one batch. */
export function stdinIsFile(): boolean {
  return stdinModifiedAt() !== undefined;
}

/** When stdin is a regular file: its modification time (epoch ms), which stamps its batches (see boundedAt). */
export function stdinModifiedAt(): number | undefined {
  try {
    const st = statSync('/dev/stdin');
    return st.isFile() ? Math.floor(st.mtimeMs) : undefined;
  } catch {
    return undefined;
  }
}
