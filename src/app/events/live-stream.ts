import { attentionCount } from '../orders/kpi-filters.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-events.js';
import '../../store/schema-process.js';

/**
 * Live updates for the console (issue 18): reading committed events after a cursor for the
 * server-sent events stream, and the counts behind the navigation badges. docs/console.md.
 */

/** The smallest UUIDv7 of a millisecond instant: ids at or after it were made at or after then. */
function uuidAt(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

export interface LiveEvent {
  id: string;
  type: string;
  subject: string;
  time: string;
}

/** Reads committed events after a cursor, looking back a little for late commits, never twice. */
export class OutboxReader {
  private cursor: string | null;
  private readonly floor: string | null;
  private readonly sent = new Set<string>();

  constructor(
    private readonly store: TenantScope,
    start: string | null,
    private readonly lookbackMs: () => number,
  ) {
    this.cursor = start;
    this.floor = start;
  }

  async next(): Promise<LiveEvent[]> {
    const window = uuidAt(Date.now() - this.lookbackMs());
    // after the resume point always; within the look-back window once past it
    let lower = this.cursor && this.cursor < window ? this.cursor : window;
    if (this.floor && lower < this.floor) lower = this.floor;
    const out: LiveEvent[] = [];
    for (;;) {
      let query = this.store.selectFrom('events').select(['id', 'type', 'subject', 'time']).orderBy('id').limit(500);
      if (this.cursor !== null || this.floor !== null) query = query.where('id', '>', lower);
      const rows = await query.execute();
      for (const row of rows) {
        lower = row.id;
        if (this.sent.has(row.id)) continue;
        this.sent.add(row.id);
        if (this.cursor === null || row.id > this.cursor) this.cursor = row.id;
        out.push({ id: row.id, type: row.type, subject: row.subject, time: new Date(row.time).toISOString() });
      }
      if (rows.length < 500) break;
    }
    for (const id of this.sent) if (id < window) this.sent.delete(id);
    return out;
  }
}

export async function newestEventId(store: TenantScope): Promise<string | null> {
  const row = await store.selectFrom('events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.id ?? null;
}

/** Hours without a step after which a running order counts as stuck in the "needs attention" badge. */
export const ATTENTION_STUCK_HOURS = 24;

/**
 * Orders in an exception, and orders needing attention: in an exception, with an overdue open
 * task, or stuck (no step for ATTENTION_STUCK_HOURS) — the orders `GET /orders?kpi=attention`
 * lists with that `stuckHours`.
 */
export async function attentionCounts(
  store: TenantScope,
  now: Date,
): Promise<{ exceptions: number; attention: number; stuckHours: number }> {
  const exceptions = await store
    .selectFrom('order_processes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('exception_kind', 'is not', null)
    .executeTakeFirstOrThrow();
  const attention = await attentionCount({
    tenantId: store.tenantId,
    now,
    slaHours: 48,
    stuckHours: ATTENTION_STUCK_HOURS,
  }).execute(store.conn);
  return {
    exceptions: Number(exceptions.n),
    attention: Number(attention.rows[0]?.n ?? 0),
    stuckHours: ATTENTION_STUCK_HOURS,
  };
}
