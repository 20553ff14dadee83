import { fstatSync, readFileSync, statSync } from 'node:fs';

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

/**
 * A regular file's unread bytes: from the descriptor's offset (whoever ran the
 * stage may have read part of it: `(head -1; sluice ...) < file`) to its size;
 * undefined when fd is not a regular file or its offset cannot be told (no /proc).
 */
export function unreadSpan(fd: number): { from: number; size: number } | undefined {
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const pos = /^pos:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
    return pos ? { from: Number(pos[1]), size: st.size } : undefined;
  } catch {
    return undefined;
  }
}
