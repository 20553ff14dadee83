/**
 * A Kafka sink's producer work in order, after the connection. Jobs run one at
 * a time; a send (enqueueSend) only waits for its turn to start, so up to
 * `maxInFlight` sends are in flight at once, started in the order they were
 * queued, and the next job (a transaction's commit) waits for all of them.
 * The first failure (the connection's included) skips every later job and send
 * and is kept for the stage to throw at its next record or control record.
 */
export class SendQueue {
  failure: unknown;
  private tail: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  /** Jobs and sends queued whose turn has not come. */
  private queued = 0;
  private turnWaiters: (() => void)[] = [];

  /** `describe`: the failure of the connection or of a send as the stage reports it. */
  constructor(
    connected: Promise<unknown>,
    private readonly describe: (err: unknown) => unknown = (err) => err,
    private readonly maxInFlight = 1,
  ) {
    this.tail = connected.then(
      () => undefined,
      (err: unknown) => {
        this.failure = describe(err);
      },
    );
  }

  enqueue(job: () => Promise<void>): void {
    this.queued++;
    this.tail = this.tail.then(async () => {
      this.turnCame();
      await this.allSent();
      if (this.failure) return;
      try {
        await job();
      } catch (err) {
        this.failure ??= err;
      }
    });
  }

  /**
   * A send: `start` begins it (the sends begin in the order they were queued;
   * it may await what must come first, such as the transaction) and returns
   * its completion, which the queue does not wait for before the next send.
   */
  enqueueSend(start: () => Promise<{ done: Promise<unknown> }>): void {
    this.queued++;
    this.tail = this.tail.then(async () => {
      this.turnCame();
      while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
      if (this.failure) return;
      try {
        const { done } = await start();
        const tracked: Promise<void> = done.then(
          () => void this.inFlight.delete(tracked),
          (err: unknown) => {
            this.failure ??= this.describe(err);
            this.inFlight.delete(tracked);
          },
        );
        this.inFlight.add(tracked);
      } catch (err) {
        this.failure ??= err;
      }
    });
  }

  /** While more than `n` jobs and sends wait for their turn: resolves when no more than n do. */
  waitingMoreThan(n: number): Promise<void> | undefined {
    if (this.queued <= n) return undefined;
    return new Promise<void>((resolve) => this.turnWaiters.push(resolve)).then(() => this.waitingMoreThan(n));
  }

  /** Resolves once every queued job and send ran; rejects with the failure if there was one. */
  settled(): Promise<void> {
    return this.drained().then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Resolves once every queued job and send ran, failed or not. */
  drained(): Promise<void> {
    return this.tail.then(() => this.allSent());
  }

  private async allSent(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private turnCame(): void {
    this.queued--;
    const waiters = this.turnWaiters;
    this.turnWaiters = [];
    for (const w of waiters) w();
  }
}
