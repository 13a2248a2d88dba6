import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7, validate, version } from 'uuid';

// Random bytes are drawn 4 KiB at a time: uuid asks the OS for 16 bytes on every call, which
// cost more than the rest of id generation together (several ids per order on the intake path).
const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;
const last = { msecs: -Infinity, seq: 0 };

/**
 * Sortable ids (UUIDv7): time-ordered, so primary-key order is creation order. Within one
 * millisecond a 31-bit counter (starting at a random value) keeps them increasing, as uuid's own
 * v7 does; when the counter wraps, the time field moves on by a millisecond.
 */
export function newId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const random = pool.subarray(offset, (offset += 16));
  const now = Date.now();
  if (now > last.msecs) {
    last.msecs = now;
    last.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    last.seq = (last.seq + 1) | 0;
    if (last.seq === 0) last.msecs++;
  }
  return uuidv7({ random, msecs: last.msecs, seq: last.seq });
}

export function isId(value: string): boolean {
  return validate(value) && version(value) === 7;
}

/** Any UUID (v4 from partners, v7 of ours) — used to validate path parameters. */
export function isUuid(value: string): boolean {
  return validate(value);
}
