import { lazyBuiltin } from '../lazy-builtin.js';

const crypto = lazyBuiltin('node:crypto');

export const CHECKPOINT_FORMAT = 'sluice-checkpoint';
export const CHECKPOINT_VERSION = 1;

/**
 * Every checkpoint file is one JSON object:
 *   {"format":"sluice-checkpoint","v":1,"role":"sink","kind":"commit","sha256":"...","body":{...}}
 * sha256 covers role, kind and the body's JSON text, so a truncated, edited or
 * misplaced file is detected instead of being mistaken for a fresh start.
 */
interface Envelope {
  format: string;
  v: number;
  role: string;
  kind: string;
  sha256: string;
  body: unknown;
}

function checksum(role: string, kind: string, bodyText: string): string {
  return crypto().createHash('sha256').update(`${role}\n${kind}\n${bodyText}`).digest('hex');
}

export function encodeEnvelope(role: string, kind: string, body: unknown): string {
  const bodyText = JSON.stringify(body);
  const envelope: Envelope = { format: CHECKPOINT_FORMAT, v: CHECKPOINT_VERSION, role, kind, sha256: checksum(role, kind, bodyText), body };
  return JSON.stringify(envelope) + '\n';
}

/** Returns the body, or throws an Error saying what is wrong with the file (the caller adds its path). */
export function decodeEnvelope(text: string, role: string, kind: string): unknown {
  let parsed: Partial<Envelope>;
  try {
    parsed = JSON.parse(text) as Partial<Envelope>;
  } catch {
    throw new Error(text.length === 0 ? 'corrupt checkpoint: empty file' : 'corrupt checkpoint: not valid JSON (truncated or overwritten)');
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.format !== CHECKPOINT_FORMAT) {
    throw new Error('not a sluice checkpoint file (foreign content)');
  }
  if (parsed.v !== CHECKPOINT_VERSION) {
    throw new Error(`checkpoint format version ${String(parsed.v)}; this sluice reads version ${CHECKPOINT_VERSION}`);
  }
  if (parsed.role !== role) throw new Error(`belongs to stage '${String(parsed.role)}', not '${role}' (was it copied from elsewhere?)`);
  if (parsed.kind !== kind) throw new Error(`is a '${String(parsed.kind)}' file where a '${kind}' file was expected`);
  if (typeof parsed.sha256 !== 'string' || checksum(role, kind, JSON.stringify(parsed.body)) !== parsed.sha256) {
    throw new Error('corrupt checkpoint: checksum mismatch');
  }
  return parsed.body;
}
