import { sql, type Kysely } from 'kysely';
import { buildIndexOnline } from '../online-index.js';

/**
 * Runs of digits in the orders search at scale (issue 19 item 5, docs/scale.md). Order numbers,
 * SKUs, phones and tracking numbers are digits padded with zeros, so a trigram index holds only
 * 1,000 digit trigrams and "000", "001"… sit in most rows: a needle such as "0001040" read their
 * posting lists, not its few matches (338 index pages against 58 without the leading zero, at 1M
 * orders), and that grows with the table.
 *
 * `ordo_digit_grams` lists the 5-digit windows of each run of five or more digits in a value:
 * 100,000 keys instead of 1,000. A value holding a needle's run of digits holds all of its windows,
 * so a needle with five or more digits in a row asks these indexes for the rows that have every
 * window (`@>`, which a GIN array index answers without a recheck) and tests the plain `like` on
 * them (src/app/orders/list-orders.ts `digitGrams` writes the needle's side). A phone is searched by
 * five or more digits only, always this way, so 0025's trigram index of the phone's digits goes.
 */
const digitGrams = `create or replace function ordo_digit_grams(value text) returns text[]
    language sql immutable strict parallel safe as $$
      select coalesce(array_agg(distinct substr(run[1], i, 5)), '{}')
      from regexp_matches(value, '[0-9]{5,}', 'g') as run, generate_series(1, length(run[1]) - 4) as i
    $$`;
/** Name and definition of each index (bench/scale.ts builds them the pre-online way to compare). */
export const indexes: [string, string][] = [
  ['orders_search_digits', `on orders using gin ((ordo_digit_grams(search_text)))`],
  [
    'orders_phone_digits',
    `on orders using gin ((ordo_digit_grams(regexp_replace(coalesce(shipping_address->>'phone', ''), '[^0-9]', '', 'g'))))`,
  ],
  ['shipments_tracking_digits', `on shipments using gin ((ordo_digit_grams(coalesce(tracking_number, ''))))`],
  ['order_lines_name_digits', `on order_lines using gin ((ordo_digit_grams(name)))`],
];

/** Built while orders keep coming (6 minutes for a line's name at 10M orders): see migrate.ts. */
export const online = true;

export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(digitGrams).execute(db);
  for (const [name, definition] of indexes) await buildIndexOnline(db, name, definition);
  await sql`drop index concurrently if exists orders_phone_search`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists orders_phone_search on orders
    using gin ((regexp_replace(coalesce(shipping_address->>'phone', ''), '[^0-9]', '', 'g')) gin_trgm_ops)`.execute(db);
  for (const name of [
    'order_lines_name_digits',
    'shipments_tracking_digits',
    'orders_phone_digits',
    'orders_search_digits',
  ])
    await sql.raw(`drop index if exists ${name}`).execute(db);
  await sql`drop function if exists ordo_digit_grams(text)`.execute(db);
}
