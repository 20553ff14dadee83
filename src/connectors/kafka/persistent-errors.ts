/** A client error is printed once it has recurred for this long: what kafkajs retries away stays quiet. */
export const PERSIST_MS = 10_000;
const MAX_LINES = 20;

/**
 * Decides which of the client's error lines reach stderr. kafkajs logs every
 * failed attempt of a request it retries ("The coordinator is loading", "The
 * group coordinator is not available" while a fresh broker elects them), also
 * in runs that then succeed. A line is printed only when the same error is
 * seen again at least PERSIST_MS after its first sighting, and then once; an
 * error that ends the run is reported by the stage itself.
 */
export class PersistentErrors {
  private readonly firstSeen = new Map<string, number>();
  private readonly said = new Set<string>();

  /** True when `line`, seen at `nowMs`, is to be printed now. */
  seen(line: string, nowMs: number): boolean {
    const first = this.firstSeen.get(line);
    if (first === undefined) {
      if (this.firstSeen.size < 1_000) this.firstSeen.set(line, nowMs);
      return false;
    }
    if (nowMs - first < PERSIST_MS || this.said.has(line) || this.said.size >= MAX_LINES) return false;
    this.said.add(line);
    return true;
  }
}
