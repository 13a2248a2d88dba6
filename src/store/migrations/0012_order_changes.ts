import { sql, type Kysely } from 'kysely';

/**
 * Order changes after placement (issue 15): a versioned change set per order with typed actions
 * (add, remove or cancel lines, quantities, prices, items, the delivery fee, the delivery
 * method), previewed as a draft and then confirmed or discarded. At most one draft per order:
 * the partial unique index decides, so two operators previewing at once cannot both hold one.
 *
 * A removed or fully cancelled line keeps its row with quantity 0 (its reservations, shipments
 * and payment operations point at it, and the history names it), so the line check allows 0.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table order_changes (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      order_id uuid not null,
      version int not null check (version > 0),
      status text not null check (status in ('draft','confirmed','discarded')),
      base_version int not null,
      actions jsonb not null,
      preview jsonb not null,
      reason text,
      requested_by jsonb not null,
      created_at timestamptz not null,
      confirmed_at timestamptz,
      confirmed_by jsonb,
      discarded_at timestamptz,
      primary key (tenant_id, id),
      unique (tenant_id, order_id, version),
      foreign key (tenant_id, order_id) references orders(tenant_id, id) on delete cascade
    )`,
    `create unique index order_changes_one_draft on order_changes (tenant_id, order_id) where status = 'draft'`,
    `alter table order_lines drop constraint order_lines_quantity_check`,
    `alter table order_lines add constraint order_lines_quantity_check check (quantity >= 0)`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`drop table if exists order_changes`).execute(db);
  await sql.raw(`alter table order_lines drop constraint order_lines_quantity_check`).execute(db);
  await sql.raw(`alter table order_lines add constraint order_lines_quantity_check check (quantity > 0)`).execute(db);
}
