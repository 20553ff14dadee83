import { fstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** The programs reading our stdout pipe: those whose stdin is it. */
export function pipeReaders(): string[] {
  return pipePeers(1, 0);
}

/**
 * The programs at the other end of a pipe on our descriptor `fd`: the base
 * names of argv[0] and argv[1] of every other process whose descriptor
 * `theirFd` is that pipe. Linux only (/proc); elsewhere, or when the
 * descriptor is not a pipe, an empty list. Costs one readdir of /proc and one
 * readlink per process.
 */
function pipePeers(fd: number, theirFd: number): string[] {
  let pipe: string;
  try {
    if (!fstatSync(fd).isFIFO()) return [];
    pipe = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return [];
  }
  const names: string[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return [];
  }
  for (const pid of pids) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${theirFd}`) !== pipe) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      names.push(...programNames(argv));
    } catch {
      /* gone, or not ours to look at */
    }
  }
  return names;
}

/** `node /usr/bin/sluice map` is sluice; `/usr/bin/jq .value` is jq. Both the interpreter and its script count. */
function programNames(argv: string[]): string[] {
  const base = (p: string | undefined) => (p === undefined ? undefined : p.slice(p.lastIndexOf('/') + 1));
  return [base(argv[0]), base(argv[1])].filter((n): n is string => n !== undefined);
}
