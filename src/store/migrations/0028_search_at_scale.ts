import { sql, type Kysely } from 'kysely';

/**
 * Search at scale (issue 19 item 5, docs/scale.md): the orders list tries an exact match first —
 * number, external id, e-mail, phone digits, tracking number — and only then the trigram search
 * of 0025. These b-tree indexes make each exact branch one index lookup at millions of orders.
 * Plain b-trees on expressions: nothing here needs an extension, so PGlite runs it as is.
 */
const statements = [
  `create index if not exists orders_external on orders (tenant_id, external_id) where external_id is not null`,
  `create index if not exists orders_email_exact on orders (tenant_id, lower(customer_email)) where customer_email is not null`,
  `create index if not exists orders_phone_exact on orders (tenant_id, (regexp_replace(coalesce(shipping_address->>'phone', ''), '[^0-9]', '', 'g')))`,
  `create index if not exists shipments_tracking_exact on shipments (tenant_id, lower(tracking_number)) where tracking_number is not null`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['shipments_tracking_exact', 'orders_phone_exact', 'orders_email_exact', 'orders_external'])
    await sql.raw(`drop index if exists ${name}`).execute(db);
}
