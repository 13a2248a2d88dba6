/**
 * The kinds of record that grow without bound and how long each is kept by default (days).
 * 0 means "keep forever". The configuration (ORDO_RETENTION_DAYS), per-tenant overrides and the
 * retention job all name kinds from this list.
 */
export const RETENTION_KINDS = {
  /** Webhook/broker deliveries that succeeded, and dead ones a later delivery resolved; their attempts go with them. */
  deliveries: 30,
  /** Outbox events already fanned out, with no delivery left and behind every channel/EDI cursor. */
  events: 90,
  /** Customer notifications sent or given up. */
  notifications: 90,
  /** Jobs done or cancelled. */
  jobs: 30,
  /** Jobs that failed for good (the jobs' dead letters). */
  failedJobs: 90,
  /** Channel ingestion records that created, updated or ignored an order (the error queue stays). */
  ingestions: 90,
  /** Idempotency-Key rows. */
  idempotencyKeys: 7,
  /** Partner inbound events processed or of an unknown type. */
  inboundEvents: 30,
  /** The EDI message log, except outbound messages not yet sent. */
  ediMessages: 365,
  /** Expired 1C exchange sessions and their uploaded files. */
  erpSessions: 7,
} as const;

export type RetentionKind = keyof typeof RETENTION_KINDS;
export type RetentionDays = Record<RetentionKind, number>;

export function isRetentionKind(name: string): name is RetentionKind {
  return Object.hasOwn(RETENTION_KINDS, name);
}

export function defaultRetentionDays(): RetentionDays {
  return { ...RETENTION_KINDS };
}

/** `deliveries=60,jobs=14` → the overrides, or the first fault as a sentence. */
export function parseRetentionDays(text: string): Partial<RetentionDays> | { error: string } {
  const out: Partial<RetentionDays> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z]+)\s*=\s*(\d{1,5})$/.exec(part);
    if (!match) return { error: `"${part}" is not kind=days` };
    const [, name, days] = match;
    if (!isRetentionKind(name!))
      return { error: `unknown kind "${name}" (one of ${Object.keys(RETENTION_KINDS).join(', ')})` };
    out[name] = Number(days);
  }
  return out;
}
