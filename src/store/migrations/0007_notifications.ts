import { sql, type Kysely } from 'kysely';

/**
 * Customer notifications (issue 6): one row per requested message (rendered when requested, so
 * what was sent is what the order looked like at that step), tenant template overrides per
 * template and language, and per-tenant settings (templates switched off, recipients of roles).
 * The row's id is the message's Message-ID, so a redelivery finds it sent and does not resend.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table notifications (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      order_id uuid not null,
      template text not null,
      language text not null,
      channel text not null default 'email',
      recipient text not null,
      subject text not null,
      body_text text not null,
      body_html text not null,
      source text not null check (source in ('built_in', 'override')),
      state text not null default 'queued' check (state in ('queued', 'sending', 'sent', 'failed')),
      attempts int not null default 0,
      last_response text,
      claimed_until timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      sent_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, order_id) references orders(tenant_id, id)
    )`,
    `create index notifications_order on notifications (tenant_id, order_id, id)`,
    `create index notifications_state on notifications (tenant_id, state, id)`,
    `create table notification_templates (
      tenant_id uuid not null references tenants(id),
      template text not null,
      language text not null check (language in ('en', 'pl', 'ru')),
      subject text not null,
      body_text text not null,
      body_html text,
      version int not null default 1,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, template, language)
    )`,
    `create table notification_settings (
      tenant_id uuid not null references tenants(id),
      disabled text[] not null default '{}',
      recipients jsonb not null default '{}',
      version int not null default 1,
      updated_at timestamptz not null default now(),
      primary key (tenant_id)
    )`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const item of ['notification_settings', 'notification_templates', 'notifications'])
    await sql.raw(`drop table if exists ${item}`).execute(db);
}
