import { sql, type Kysely } from 'kysely';

/**
 * Broker sinks a worker serves (issue 19: an event nobody will receive costs no fan-out). A worker
 * started with sinks (NATS, the e-mail sink) registers each here with the event types it takes; a
 * unit of work writes an event that no registered sink and no webhook subscription of its tenant
 * wants as already fanned out, and then neither sends NOTIFY nor wakes a worker for it. Rows are
 * kept when a sink leaves the configuration (its events keep being fanned out until an operator
 * deletes its row): erring that way costs a statement, the other way would lose events.
 */
const statements = [
  `create table if not exists event_sinks (
    name text primary key,
    event_types text[],
    registered_at timestamptz not null default now()
  )`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists event_sinks`.execute(db);
}
