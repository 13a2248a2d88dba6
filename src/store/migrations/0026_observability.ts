import { sql, type Kysely } from 'kysely';

/**
 * Observability (issue 20 item 7, docs/observability.md).
 * - `events.trace_context`: the W3C `traceparent` of the span that wrote the event, when tracing
 *   is on (null otherwise), so the span delivering it joins the trace of the request that caused it.
 * - Partial indexes that keep the operator gauges of /metrics cheap whatever the size of the
 *   tables: dead letters and failed jobs are counted from rows that are few by nature.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `alter table events add column trace_context text`,
    `create index event_deliveries_dead on event_deliveries (tenant_id, target) where status = 'dead'`,
    `create index jobs_failed on jobs (kind) where status = 'failed'`,
  ])
    await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop index if exists jobs_failed`,
    `drop index if exists event_deliveries_dead`,
    `alter table events drop column if exists trace_context`,
  ])
    await sql.raw(statement).execute(db);
}
