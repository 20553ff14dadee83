import { statSync } from 'node:fs';

/** True when stdin is a regular file (`< file`): a bounded input, one batch. */
export function stdinIsFile(): boolean {
  try {
    return statSync('/dev/stdin').isFile();
  } catch {
    return false;
  }
}
