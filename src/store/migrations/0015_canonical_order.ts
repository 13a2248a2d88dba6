import { sql, type Kysely } from 'kysely';

/**
 * The canonical order (issue 16, item 4): an order carries everything a channel sends.
 *
 * - `order_lines.kind`: 'product' lines hold stock; 'service' lines (assembly, carry-in,
 *   warranty) are priced and taxed but never reserved, routed or shipped.
 * - `order_lines.allocated_discount` / `discount_allocations`: the line's share of the order-level
 *   discounts, per discount (`[{ index, amount }]`, minor units as strings); `discount` stays the
 *   whole discount of the line (its own plus the allocated share), so net = gross − discount holds.
 * - `orders.display_number`: the channel's human number (Shopify "#1001"), also in search_text.
 * - `orders.customer_external_id`, `customer_masked`: the channel's buyer id; the marketplace hides the buyer.
 * - `orders.pickup_point`: a third-party locker or point (delivery method 'pickup_point').
 * - `orders.shipping_lines`, `discounts`, `payments`: as received, with the exact allocation of
 *   each discount (JSON: they are read with the order and never queried on their own).
 * - `orders.marketplace`: fulfilment model, ship-by / deliver-by, commission, marketplace id.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `alter table order_lines add column kind text not null default 'product' check (kind in ('product', 'service'))`,
    `alter table order_lines add column allocated_discount bigint not null default 0`,
    `alter table order_lines add column discount_allocations jsonb not null default '[]'`,
    `alter table orders add column display_number text`,
    `alter table orders add column customer_external_id text`,
    `alter table orders add column customer_masked boolean not null default false`,
    `alter table orders add column pickup_point jsonb`,
    `alter table orders add column shipping_lines jsonb not null default '[]'`,
    `alter table orders add column discounts jsonb not null default '[]'`,
    `alter table orders add column payments jsonb not null default '[]'`,
    `alter table orders add column marketplace jsonb`,
    `create index orders_display_number on orders (tenant_id, display_number) where display_number is not null`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    `drop index if exists orders_display_number`,
    ...['kind', 'allocated_discount', 'discount_allocations'].map((c) => `alter table order_lines drop column ${c}`),
    ...[
      'display_number',
      'customer_external_id',
      'customer_masked',
      'pickup_point',
      'shipping_lines',
      'discounts',
      'payments',
      'marketplace',
    ].map((c) => `alter table orders drop column ${c}`),
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}
