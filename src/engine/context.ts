import type { CheckpointRole } from './checkpoint/store.js';
import type { Clock } from './clock.js';
import type { ErrorPolicy } from './error-policy.js';
import type { PositionTracker } from './stream.js';

/** What an operator gets from the stage that runs it. */
export interface StageContext {
  command: string;
  clock: Clock;
  position: PositionTracker;
  errors: ErrorPolicy;
  /** Writes one diagnostic line to stderr. */
  warn(line: string): void;
  /** This stage's part of the --checkpoint directory, when given (sinks commit into it). */
  checkpoint?: CheckpointRole;
  /** The stage's --max-depth, for an operator that reads input lines itself (takeLine); absent where no lines are read. */
  maxDepth?: number;
}
