import { sql, type Kysely } from 'kysely';

/**
 * A run of SKU digits at scale (issue 19 item 5, docs/scale.md). A line's SKU and its name were
 * one trigram index (0025), so a needle such as "0001040" read, over every line, the long posting
 * lists of the trigrams ("000", "001", "010") that every zero-padded SKU shares. A line's SKU is
 * its product's (the catalogue's key, which an update cannot change), so the search now finds the
 * few products whose SKU holds the needle in the catalogue's own trigram index and their lines by
 * `order_lines_product`; a line's name keeps a trigram index of its own. The catalogue's search
 * (sku or name, src/app/reference/crud.ts) reads the two products indexes.
 */
const statements = [
  `create index if not exists products_sku_search on products using gin ((lower(sku)) gin_trgm_ops)`,
  `create index if not exists products_name_search on products using gin ((lower(name)) gin_trgm_ops)`,
  `create index if not exists order_lines_name_search on order_lines using gin ((lower(name)) gin_trgm_ops)`,
  `drop index if exists order_lines_search`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists order_lines_search on order_lines using gin ((lower(sku || ' ' || name)) gin_trgm_ops)`.execute(
    db,
  );
  for (const name of ['order_lines_name_search', 'products_name_search', 'products_sku_search'])
    await sql.raw(`drop index if exists ${name}`).execute(db);
}
