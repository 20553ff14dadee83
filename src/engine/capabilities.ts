import type { Control } from './control.js';
import type { ReadsFields, TakesLines } from './fast/fields-read.js';
import { isStateful, type Stateful } from './stateful.js';
import type { Downstream, HoldsOutput } from './stream.js';

/**
 * What the head of a stage's operator chain can do beyond data() and
 * control(), read off the operator itself: which fields it reads, lines it
 * takes undecoded, state it can snapshot and restore (--checkpoint), the rows
 * it holds (--status), output it holds back (pressure: sink kafka). The stage runner queries the head once and uses these
 * directly; wrappers (--status, --checkpoint) observe the stage instead of
 * wrapping the head, so none of them can hide a capability.
 */
export interface Capabilities extends ReadsFields, TakesLines, HoldsOutput {
  state?: Stateful;
  stateRows?(): number;
}

/** The capabilities an operator declares (its own members, bound to it). */
export function capabilitiesOf(head: Downstream): Capabilities {
  const h = head as Downstream & ReadsFields & TakesLines & HoldsOutput & { stateRows?(): number };
  return {
    readsFields: h.readsFields,
    ...(h.takeLine && { takeLine: h.takeLine.bind(h) }),
    ...(h.takeLineBytes && { takeLineBytes: h.takeLineBytes.bind(h) }),
    ...(h.takeText && { takeText: h.takeText.bind(h) }),
    ...(h.takeFile && { takeFile: h.takeFile.bind(h) }),
    ...(isStateful(h) && { state: h }),
    ...(typeof h.stateRows === 'function' && { stateRows: h.stateRows.bind(h) }),
    ...(h.pressure && { pressure: h.pressure.bind(h) }),
  };
}

/**
 * Something that watches a stage from outside (the --status line): told what
 * enters the chain by the runner, never placed in front of the chain.
 */
export interface StageObserver {
  /** Put around the stage's output (its writer); must pass everything on. */
  wrapOutput(out: Downstream): Downstream;
  /** Called once the chain is built: how to read the records that entered it, and its capabilities. */
  attach(recordsIn: () => number, caps: Capabilities): void;
  /** Every control record that enters the chain. */
  control(c: Control): void;
}
