// kafkajs 2.2.4's RequestQueue re-arms a timer every time it checks its queue
// for requests held back (too many in flight, or broker throttling), even
// when none is held and no throttle is on: `throttledUntil - Date.now()` is
// then negative, and a timer of "-N ms" fires after 1 ms, checks, and re-arms.
// Every connection so ran a 1 ms timer for as long as it lived (30 ms of the
// CPU of producing 1M records, and CPU all the time on an idle consumer).
// Here the check is scheduled only while a request is held back (at the end of
// the throttle, if one is on): a request held back later schedules it again.

const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10; // kafkajs's own

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
}

export function fixPendingCheck(RequestQueue: { prototype: { scheduleCheckPendingRequests(): void } }): void {
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
    if (this.throttleCheckTimeoutId) return;
    if (this.pending.length === 0) return;
    const throttled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttled > 0 ? throttled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
}
