import { sql, type Kysely } from 'kysely';

/**
 * Retention (issue 20): per-tenant overrides of how long each kind of record is kept, and an
 * index on the time column of every kind the retention job deletes, partial on the rows it may
 * delete, so each batch of the job is an index range scan that touches only expired rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table retention_overrides (
      tenant_id uuid not null references tenants(id),
      kind text not null,
      days int not null check (days >= 0 and days <= 36500),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, kind)
    )`,
    `create index event_deliveries_finished on event_deliveries (tenant_id, completed_at) where status in ('succeeded', 'dead')`,
    `create index notifications_finished on notifications (tenant_id, created_at) where state in ('sent', 'failed')`,
    `create index jobs_finished on jobs (tenant_id, status, updated_at) where status <> 'scheduled'`,
    `create index channel_ingestions_finished on channel_ingestions (tenant_id, received_at) where status in ('created', 'updated', 'ignored')`,
    `create index idempotency_keys_created on idempotency_keys (tenant_id, created_at)`,
    `create index inbound_events_finished on inbound_events (tenant_id, received_at) where status in ('processed', 'unknown')`,
    `create index edi_messages_created on edi_messages (tenant_id, created_at)`,
    `create index erp_exchange_sessions_expires on erp_exchange_sessions (tenant_id, expires_at)`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'event_deliveries_finished',
    'notifications_finished',
    'jobs_finished',
    'channel_ingestions_finished',
    'idempotency_keys_created',
    'inbound_events_finished',
    'edi_messages_created',
    'erp_exchange_sessions_expires',
  ])
    await sql.raw(`drop index if exists ${index}`).execute(db);
  await sql.raw(`drop table if exists retention_overrides`).execute(db);
}
