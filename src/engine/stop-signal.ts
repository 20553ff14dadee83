import { ExitCode } from './errors.js';

export type StopReason = 'SIGINT' | 'SIGTERM' | 'closed';

/**
 * Why and when a stage should stop: a signal (flush, then exit 130/143) or the
 * reader downstream going away (stop quietly, exit 0). The CLI wires process
 * signals to trigger(); engine code only listens.
 */
export class StopSignal {
  reason: StopReason | undefined;
  private listeners: ((reason: StopReason) => void)[] = [];

  trigger(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    for (const l of this.listeners) l(reason);
  }

  onStop(listener: (reason: StopReason) => void): void {
    if (this.reason) listener(this.reason);
    else this.listeners.push(listener);
  }

  dispose(): void {
    this.listeners = [];
  }

  exitCode(): number {
    if (this.reason === 'SIGINT') return ExitCode.sigint;
    if (this.reason === 'SIGTERM') return ExitCode.sigterm;
    return ExitCode.ok;
  }
}
