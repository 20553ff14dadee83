import { lazyBuiltin } from '../../engine/lazy-builtin.js';
import { join } from 'node:path';
import { UsageError } from '../../engine/errors.js';

const fsp = lazyBuiltin('node:fs/promises');

/**
 * Where a directory source stands: the files it read completely, and the file it
 * is in the middle of (byte just past its last complete line). This travels in
 * batch positions under `dir:<absolute path>`, so the sink's commit says which
 * files a committed batch covers.
 */
export interface DirPosition {
  done: string[];
  reading?: { file: string; offset: number };
}

export function isDirPosition(v: unknown): v is DirPosition {
  if (v === null || typeof v !== 'object') return false;
  const p = v as DirPosition;
  return Array.isArray(p.done) && p.done.every((f) => typeof f === 'string');
}

/** Hidden and temporary names: files still being written, by convention (Spark and Hadoop skip the same). */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_') || name.endsWith('.tmp');
}

/** A shell-style glob on file names: `*`, `?` and `[...]` classes. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) throw new UsageError(`--pattern '${glob}': unclosed '['`);
      let body = glob.slice(i + 1, close);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

export interface Candidate {
  name: string;
  mtimeMs: number;
}

/**
 * The regular files of `dir` that match and are not ignored, in arrival order:
 * modification time, then name (so files moved in together are read in name order).
 */
export async function listCandidates(dir: string, pattern: RegExp | undefined): Promise<Candidate[]> {
  const names = await fsp().readdir(dir);
  const found: Candidate[] = [];
  for (const name of names) {
    if (isIgnoredName(name) || (pattern && !pattern.test(name))) continue;
    const st = await fsp().stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile()) found.push({ name, mtimeMs: st.mtimeMs });
  }
  return found.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
