import { sql, type Kysely } from 'kysely';

/**
 * EDI (issue 17, docs/edi.md). An EDI partner is a channel connection of kind `edifact` or `ubl`
 * (its settings hold GLNs, interchange ids and which messages are exchanged; its offers table
 * maps the partner's article numbers to SKUs; each ORDERS message is a row of the channel
 * ingestion log). `edi_messages` keeps every interchange or document received and sent, with its
 * outcome and problems: a received one once per sender and control reference (a repeat is stored
 * as `duplicate` and creates nothing), an outgoing one once per outbox event and type.
 * `edi_control_numbers` is the gap-free counter of our outgoing control references per partner.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table edi_messages (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      partner_id uuid,
      direction text not null check (direction in ('in','out')),
      syntax text not null check (syntax in ('edifact','ubl')),
      message_type text not null,
      control_ref text not null,
      sender_id text not null,
      recipient_id text not null,
      document_number text,
      status text not null check (status in ('accepted','partial','rejected','duplicate','generated','sent','failed')),
      problems jsonb not null default '[]',
      order_id uuid,
      related_id uuid,
      event_id uuid,
      content text not null,
      attempts int not null default 0,
      last_error text,
      delivered_at timestamptz,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, partner_id) references channel_connections(tenant_id, id)
    )`,
    `create unique index edi_messages_received on edi_messages (tenant_id, syntax, sender_id, control_ref)
      where direction = 'in' and status <> 'duplicate'`,
    `create unique index edi_messages_event on edi_messages (tenant_id, partner_id, event_id, message_type)
      where event_id is not null`,
    `create index edi_messages_list on edi_messages (tenant_id, direction, id)`,
    `create index edi_messages_order on edi_messages (tenant_id, order_id)`,
    `create table edi_control_numbers (
      tenant_id uuid not null references tenants(id),
      partner_id uuid not null,
      last_ref bigint not null default 0,
      primary key (tenant_id, partner_id),
      foreign key (tenant_id, partner_id) references channel_connections(tenant_id, id) on delete cascade
    )`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['edi_control_numbers', 'edi_messages'])
    await sql.raw(`drop table if exists ${table}`).execute(db);
}
