import { sql, type Kysely } from 'kysely';

/**
 * Data-subject requests (issue 20, item 2; docs/privacy.md).
 *
 * - `privacy_erasures`: one row per erasure that changed something: who asked (the operator, not the
 *   data subject), when, why and on which legal basis, what was erased (counts per table) and what is
 *   kept for a legal duty (invoice ids and the date their retention ends). It holds no personal data:
 *   the subject is named by the customer id (a pseudonym once erased) and a salted hash of the
 *   e-mail or phone, so a repeated request is recognised without keeping the address itself.
 * - `customers.erased_at`: set when the customer's personal data was erased; the row stays (orders
 *   point at it) with its name replaced and its contact data removed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table privacy_erasures (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      customer_id uuid,
      subject_hashes text[] not null default '{}',
      order_ids uuid[] not null default '{}',
      reason text not null,
      legal_basis text not null,
      forced boolean not null default false,
      actor jsonb not null,
      erased jsonb not null,
      retained jsonb not null,
      at timestamptz not null,
      primary key (tenant_id, id)
    )`,
    `create index privacy_erasures_customer on privacy_erasures (tenant_id, customer_id)`,
    `alter table customers add column erased_at timestamptz`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`alter table customers drop column if exists erased_at`).execute(db);
  await sql.raw(`drop table if exists privacy_erasures`).execute(db);
}
