// A Linux pipe holds 64 KiB. Between sluice stages that each take whole
// reads, a full pipe stops its writer every 64 KiB, and on two cores the
// stages of a pipe then take turns far more often than the work needs: the
// four-process window pipe of the bench ran 1.62 s with 64 KiB pipes and
// 1.35 s with 1 MiB ones (docs/PERFORMANCE.md). The reader of a pipe asks
// for 1 MiB (F_SETPIPE_SZ) once its first read fills the whole read buffer,
// so a pipe that carries little costs nothing. Node has no fcntl(); perl,
// which every Debian and most other systems have, makes the one call on the
// descriptor it inherits. Without perl, on another system, or when the
// kernel refuses (fs.pipe-max-size, the user's pipe quota) the pipe keeps
// its size: only speed depends on it.
import { lazyBuiltin } from './lazy-builtin.js';

const childProcess = lazyBuiltin('node:child_process');

/** The capacity asked for: Linux's default fs.pipe-max-size, the most an unprivileged process may ask. */
export const WIDE_PIPE_BYTES = 1024 * 1024;

const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
const WIDEN = `my $n = fcntl(STDIN, ${F_GETPIPE_SZ}, 0); fcntl(STDIN, ${F_SETPIPE_SZ}, ${WIDE_PIPE_BYTES}) if defined $n && $n < ${WIDE_PIPE_BYTES}`;

/** Asks, without waiting, that the pipe on descriptor `fd` hold WIDE_PIPE_BYTES; never fails. */
export function widenPipe(fd: number): void {
  if (process.platform !== 'linux') return;
  try {
    const perl = childProcess().spawn('perl', ['-e', WIDEN], { stdio: [fd, 'ignore', 'ignore'] });
    perl.on('error', () => undefined);
    perl.unref();
  } catch {
    /* no perl to start: the pipe keeps its size */
  }
}
