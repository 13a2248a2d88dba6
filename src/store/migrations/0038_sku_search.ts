import { sql, type Kysely } from 'kysely';
import { buildIndexOnline } from '../online-index.js';

/**
 * A run of SKU digits at scale (issue 19 item 5, docs/scale.md). A line's SKU and its name were
 * one trigram index (0025), so a needle such as "0001040" read, over every line, the long posting
 * lists of the trigrams ("000", "001", "010") that every zero-padded SKU shares. A line's SKU is
 * its product's (the catalogue's key, which an update cannot change), so the search now finds the
 * few products whose SKU holds the needle in the catalogue's own trigram index and their lines by
 * `order_lines_product`; a line's name keeps a trigram index of its own. The catalogue's search
 * (sku or name, src/app/reference/crud.ts) reads the two products indexes.
 */
const indexes: [string, string][] = [
  ['products_sku_search', `on products using gin ((lower(sku)) gin_trgm_ops)`],
  ['products_name_search', `on products using gin ((lower(name)) gin_trgm_ops)`],
  ['order_lines_name_search', `on order_lines using gin ((lower(name)) gin_trgm_ops)`],
];

/** Built while orders keep coming (2.3 minutes for a line's name at 10M orders): see migrate.ts. */
export const online = true;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, definition] of indexes) await buildIndexOnline(db, name, definition);
  await sql`drop index concurrently if exists order_lines_search`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists order_lines_search on order_lines using gin ((lower(sku || ' ' || name)) gin_trgm_ops)`.execute(
    db,
  );
  for (const name of ['order_lines_name_search', 'products_name_search', 'products_sku_search'])
    await sql.raw(`drop index if exists ${name}`).execute(db);
}
