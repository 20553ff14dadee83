import type { TimeWindow } from './assigner.js';

/** A record held until its session closes. */
export interface HeldRecord {
  record: unknown;
  raw: string | undefined;
  bytes: number;
}

export interface Session extends TimeWindow {
  items: HeldRecord[];
}

export interface ClosedSession {
  keyId: string;
  session: Session;
}

/**
 * Session windows per key (Spark's session_window): an event at t opens
 * [t, t + gap); sessions of one key that overlap merge into one spanning both.
 * A session closes when the watermark reaches its end; its records are held
 * until then, because its end is not known before.
 */
export class SessionTable {
  private byKey = new Map<string, Session[]>();
  heldRecords = 0;
  heldBytes = 0;

  constructor(readonly gap: number) {}

  /**
   * Adds an event. Returns false when it is late: it opens no session that the
   * watermark has not already closed, and joins no open one.
   */
  add(keyId: string, t: number, item: HeldRecord, watermark: number): boolean {
    const sessions = this.byKey.get(keyId) ?? [];
    let start = t;
    let end = t + this.gap;
    const kept: Session[] = [];
    const merged: Session[] = [];
    for (const s of sessions) {
      if (s.start < end && t < s.end) merged.push(s);
      else kept.push(s);
    }
    if (merged.length === 0 && end <= watermark) return false;
    const items: HeldRecord[] = [];
    for (const s of merged) {
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
      items.push(...s.items);
    }
    items.push(item);
    kept.push({ start, end, items });
    kept.sort((a, b) => a.start - b.start);
    this.byKey.set(keyId, kept);
    this.heldRecords++;
    this.heldBytes += item.bytes;
    return true;
  }

  /** Removes and returns the sessions that end at or before the watermark, ordered by end, then start. */
  closeUpTo(watermark: number): ClosedSession[] {
    const closed: ClosedSession[] = [];
    for (const [keyId, sessions] of this.byKey) {
      if (sessions.every((s) => s.end > watermark)) continue;
      const open = sessions.filter((s) => s.end > watermark);
      for (const s of sessions) if (s.end <= watermark) closed.push({ keyId, session: s });
      if (open.length === 0) this.byKey.delete(keyId);
      else this.byKey.set(keyId, open);
    }
    return this.release(closed);
  }

  closeAll(): ClosedSession[] {
    const closed: ClosedSession[] = [];
    for (const [keyId, sessions] of this.byKey) for (const session of sessions) closed.push({ keyId, session });
    this.byKey.clear();
    return this.release(closed);
  }

  private release(closed: ClosedSession[]): ClosedSession[] {
    closed.sort((a, b) => a.session.end - b.session.end || a.session.start - b.session.start);
    for (const c of closed) {
      this.heldRecords -= c.session.items.length;
      for (const i of c.session.items) this.heldBytes -= i.bytes;
    }
    return closed;
  }

  snapshot(): [string, Session[]][] {
    return [...this.byKey];
  }

  restore(entries: [string, Session[]][]): void {
    this.byKey = new Map(entries);
    this.heldRecords = 0;
    this.heldBytes = 0;
    for (const [, sessions] of entries) {
      for (const s of sessions) {
        this.heldRecords += s.items.length;
        for (const i of s.items) this.heldBytes += i.bytes;
      }
    }
  }
}
