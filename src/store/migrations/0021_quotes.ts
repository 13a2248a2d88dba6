import { sql, type Kysely } from 'kysely';

/**
 * Quotes (issue 17, docs/quotes.md). A quote is an order of type `quote` run by its process; its
 * validity, terms and the link to its sales order live in `orders.attributes.quote`, and the sales
 * order names its quote in `orders.attributes.fromQuote` (no table of their own: the link is
 * written in the conversion's transaction, under the quote's row lock, so it exists exactly when
 * the order does). This index serves the quote list (by status, newest first).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(`create index orders_quotes on orders (tenant_id, state, id) where order_type = 'quote'`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`drop index if exists orders_quotes`).execute(db);
}
