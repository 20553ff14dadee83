/**
 * Turns the operating system's errors, as Node reports them
 * (`listen EADDRINUSE: address already in use 127.0.0.1:9999`,
 * `ENOENT: no such file or directory, open '/x/out.ndjson'`), into a sentence
 * that says what happened and what to do. The one place that knows these codes;
 * anything else keeps its own message.
 */

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  path?: string;
  dest?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

function isSystemError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as SystemError).code === 'string' && /^E[A-Z]+$/.test((err as SystemError).code!);
}

function endpoint(e: SystemError): string {
  if (e.address !== undefined && e.port !== undefined) return `${e.address}:${e.port}`;
  return e.address ?? e.hostname ?? (/(\S+:\d+)\s*$/.exec(e.message)?.[1] ?? 'the address');
}

const ADVICE: Record<string, (e: SystemError) => string> = {
  EADDRINUSE: (e) => `${endpoint(e)} is already in use by another program: stop it, or choose another port (--listen 0 picks a free one)`,
  EADDRNOTAVAIL: (e) => `cannot bind ${endpoint(e)}: no network interface has that address; use --host 127.0.0.1 or 0.0.0.0`,
  ECONNREFUSED: (e) => `nothing accepts connections on ${endpoint(e)}: start the server first (for example nc -lk PORT), or use --listen to be the server`,
  ECONNRESET: (e) => `the connection to ${endpoint(e)} was reset by the other side`,
  ENOTFOUND: (e) => `cannot resolve the host name ${e.hostname ?? endpoint(e)}: check its spelling or use an IP address`,
  ETIMEDOUT: (e) => `timed out connecting to ${endpoint(e)}: check the host, the port and any firewall`,
  ENOENT: (e) => `${e.path ?? 'a file'} does not exist${e.syscall === 'open' || e.syscall === 'mkdir' ? ': check the path; the directory it names must exist' : ''}`,
  EACCES: (e) =>
    e.syscall === 'listen' || e.syscall === 'bind'
      ? `no permission to listen on ${endpoint(e)}: ports below 1024 need root; choose a port of 1024 or more`
      : `no permission to ${e.syscall ?? 'use'} ${e.path ?? 'the file'}: check its permissions, or use a path you own`,
  EPERM: (e) => `the operating system refused to ${e.syscall ?? 'use'} ${e.path ?? 'the file'} (permission)`,
  EISDIR: (e) => `${e.path ?? 'the path'} is a directory, where a file was expected`,
  ENOTDIR: (e) => `${e.path ?? 'the path'} has a part that is not a directory`,
  EEXIST: (e) => `${e.path ?? 'the path'} already exists`,
  ENOSPC: (e) => `no space left on the device holding ${e.path ?? 'the output'}: free some space, then rerun`,
  EROFS: (e) => `${e.path ?? 'the path'} is on a read-only file system`,
  EMFILE: () => 'too many open files: raise the limit (ulimit -n) or read fewer files at once',
};

/** The sentence for an operating-system error, or the error's own message for anything else. */
export function explainFailure(err: unknown): string {
  if (isSystemError(err)) {
    const advice = ADVICE[err.code!];
    if (advice) return advice(err);
  }
  return err instanceof Error ? err.message : String(err);
}
