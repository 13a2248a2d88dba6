import { sql } from 'kysely';
import type { Db } from '../../store/db.js';
import '../../store/schema-events.js';

/**
 * The broker sinks workers serve (event_sinks, migration 0036, docs/events.md). A unit of work
 * writes an event no subscription of its tenant and no registered sink wants as fanned out; a
 * worker registers its sinks before it starts, so an event one of them takes waits for the fan-out.
 */
export interface RegisteredSink {
  name: string;
  /** null: every event type */
  eventTypes: string[] | null;
  registeredAt: Date;
  /** its deliveries not yet done */
  open: number;
}

/** Registers (or refreshes) each sink with the event types it takes. */
export async function registerSinks(
  db: Db,
  sinks: ReadonlyArray<{ name: string; eventTypes?: readonly string[] | undefined }>,
): Promise<void> {
  if (sinks.length === 0) return;
  await db
    .insertInto('event_sinks')
    .values(sinks.map((sink) => ({ name: sink.name, event_types: sink.eventTypes ? [...sink.eventTypes] : null })))
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet((eb) => ({ event_types: eb.ref('excluded.event_types'), registered_at: new Date() })),
    )
    .execute();
}

export async function listSinks(db: Db): Promise<RegisteredSink[]> {
  const { rows } = await sql<{ name: string; event_types: string[] | null; registered_at: Date; open: string }>`
    select k.name, k.event_types, k.registered_at,
      (select count(*) from event_deliveries d where d.target = 'sink:' || k.name and d.status in ('pending', 'delivering')) as open
    from event_sinks k order by k.name`.execute(db);
  return rows.map((row) => ({
    name: row.name,
    eventTypes: row.event_types,
    registeredAt: new Date(row.registered_at),
    open: Number(row.open),
  }));
}

/** Forgets a sink no worker serves any more; false when none has the name. */
export async function removeSink(db: Db, name: string): Promise<boolean> {
  const removed = await db.deleteFrom('event_sinks').where('name', '=', name).returning('name').execute();
  return removed.length > 0;
}
