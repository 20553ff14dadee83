/**
 * A Kafka sink's producer work, one job at a time, after the connection. The
 * first failure (the connection's included) skips every later job and is kept
 * for the stage to throw at its next record or control record.
 */
export class SendQueue {
  failure: unknown;
  private tail: Promise<void>;

  constructor(connected: Promise<unknown>, describe: (err: unknown) => unknown = (err) => err) {
    this.tail = connected.then(
      () => undefined,
      (err: unknown) => {
        this.failure = describe(err);
      },
    );
  }

  enqueue(job: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      if (this.failure) return;
      try {
        await job();
      } catch (err) {
        this.failure = err;
      }
    });
  }

  /** Resolves once every queued job ran; rejects with the failure if there was one. */
  settled(): Promise<void> {
    return this.tail.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Resolves once every queued job ran, failed or not. */
  drained(): Promise<void> {
    return this.tail;
  }
}
