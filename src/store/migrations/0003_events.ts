import { sql, type Kysely } from 'kysely';

/**
 * Events: the outbox (events), webhook subscriptions, one delivery row per (event, target)
 * with its attempt log, inbound partner events, and durable jobs/timers.
 *
 * `events.seq` is the per-database commit order for one subject: emitEvent takes a
 * transaction-scoped advisory lock on the subject before inserting, so two transactions that
 * write events for one order get their seq values in commit order. Per-order delivery order is
 * decided on seq, never on clocks.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table events (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      seq bigint generated always as identity,
      type text not null,
      subject text not null,
      time timestamptz not null,
      schema_version int not null,
      payload jsonb not null,
      fanned_out boolean not null default false,
      primary key (tenant_id, id)
    )`,
    `create unique index events_seq on events (seq)`,
    `create index events_unfanned on events (seq) where not fanned_out`,
    `create index events_unfanned_subject on events (tenant_id, subject, seq) where not fanned_out`,
    `create index events_type on events (tenant_id, type, id)`,
    `create index events_subject on events (tenant_id, subject, id)`,
    `create index events_time on events (tenant_id, time, id)`,
    `create table webhook_subscriptions (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      url text not null,
      description text,
      event_types text[] not null,
      secret text not null,
      previous_secret text,
      previous_secret_until timestamptz,
      status text not null default 'active' check (status in ('active', 'paused')),
      paused_reason text,
      version int not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id)
    )`,
    // target: a subscription id, or 'sink:<name>' for a broker sink.
    `create table event_deliveries (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      target text not null,
      subscription_id uuid,
      event_id uuid not null,
      event_seq bigint not null,
      event_type text not null,
      subject text not null,
      status text not null default 'pending' check (status in ('pending', 'delivering', 'succeeded', 'dead')),
      attempts int not null default 0,
      next_attempt_at timestamptz not null,
      lease_until timestamptz,
      claim_token uuid,
      last_status_code int,
      last_error text,
      replay boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, subscription_id) references webhook_subscriptions(tenant_id, id) on delete cascade,
      foreign key (tenant_id, event_id) references events(tenant_id, id)
    )`,
    `create index event_deliveries_due on event_deliveries (next_attempt_at, event_seq) where status in ('pending', 'delivering')`,
    `create index event_deliveries_order on event_deliveries (tenant_id, target, subject, event_seq) where status in ('pending', 'delivering')`,
    `create index event_deliveries_subscription on event_deliveries (tenant_id, subscription_id, id)`,
    `create index event_deliveries_event on event_deliveries (tenant_id, event_id)`,
    `create table delivery_attempts (
      tenant_id uuid not null,
      delivery_id uuid not null,
      attempt int not null,
      started_at timestamptz not null,
      status_code int,
      latency_ms int not null,
      outcome text not null,
      error text,
      response_excerpt text,
      worker text,
      primary key (tenant_id, delivery_id, attempt),
      foreign key (tenant_id, delivery_id) references event_deliveries(tenant_id, id) on delete cascade
    )`,
    `create table inbound_sources (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      code text not null,
      name text not null,
      secret text not null,
      rejected_count int not null default 0,
      last_rejected_at timestamptz,
      last_rejected_reason text,
      created_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, code)
    )`,
    // Partners post to /inbound/{source id} without our API key: the id alone finds the tenant.
    `create unique index inbound_sources_id on inbound_sources (id)`,
    // The partner's event id is the idempotency key: a redelivery finds the row and is acknowledged.
    `create table inbound_events (
      tenant_id uuid not null,
      id uuid not null,
      source_id uuid not null,
      external_id text not null,
      type text not null,
      status text not null check (status in ('received', 'processed', 'unknown', 'failed')),
      payload jsonb not null,
      received_at timestamptz not null,
      processed_at timestamptz,
      error text,
      primary key (tenant_id, id),
      unique (tenant_id, source_id, external_id),
      foreign key (tenant_id, source_id) references inbound_sources(tenant_id, id) on delete cascade
    )`,
    `create index inbound_events_status on inbound_events (tenant_id, status, id)`,
    `create table jobs (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      kind text not null,
      key text,
      payload jsonb not null default '{}',
      run_at timestamptz not null,
      status text not null default 'scheduled' check (status in ('scheduled', 'done', 'failed', 'cancelled')),
      attempts int not null default 0,
      max_attempts int not null default 10,
      last_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz,
      primary key (tenant_id, id)
    )`,
    // One live timer per key: rescheduling a due date replaces it instead of adding a second.
    `create unique index jobs_live_key on jobs (tenant_id, key) where key is not null and status = 'scheduled'`,
    `create index jobs_due on jobs (run_at) where status = 'scheduled'`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const item of [
    'jobs',
    'inbound_events',
    'inbound_sources',
    'delivery_attempts',
    'event_deliveries',
    'webhook_subscriptions',
    'events',
  ]) {
    await sql.raw(`drop table if exists ${item}`).execute(db);
  }
}
