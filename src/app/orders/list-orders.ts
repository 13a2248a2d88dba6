import { sql } from 'kysely';
import type { z } from 'zod';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { orderListQuery } from './schemas.js';
import { orderSummaryView } from './order-view.js';
import { AppError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { kpiCondition, locationCondition, stageCondition } from './kpi-filters.js';

type ListQuery = z.infer<typeof orderListQuery> & { now?: Date };

/** The columns a list may be sorted by, and the orders column behind each. */
const SORT_COLUMNS = {
  created: 'id',
  placed: 'placed_at',
  total: 'grand_total',
  number: 'number',
  state: 'state',
} as const;
export type SortKey = keyof typeof SORT_COLUMNS;
export const SORTS = Object.keys(SORT_COLUMNS).flatMap((k) => [k, `-${k}`]) as readonly string[];

/**
 * A keyset cursor: the sort, the last row's sort value and its id, base64url JSON so clients do
 * not build it. A bare id (the cursor of the default newest-first list) still reads.
 */
function encodeCursor(sort: string, value: string, id: string) {
  return Buffer.from(JSON.stringify([sort, value, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined, sort: string): { value: string; id: string } | null {
  if (!cursor) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (isUuid(text) && sort === '-created') return { value: text, id: text };
  try {
    const parsed = JSON.parse(text) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed[0] === sort &&
      typeof parsed[1] === 'string' &&
      isUuid(String(parsed[2]))
    )
      return { value: parsed[1], id: String(parsed[2]) };
  } catch {
    // falls through to the refusal
  }
  throw new AppError('VALIDATION_FAILED', 'the cursor is not valid for this sort', [
    { path: 'query:cursor', message: 'not a cursor returned by this API for this sort' },
  ]);
}

/** Lower-case LIKE pattern for a needle, with the wildcards escaped. */
const likePattern = (needle: string) => `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Orders matching `q` anywhere a person would look: the order's own search text (number, external
 * and display numbers, customer name, e-mail, buyer id), a line's SKU or product name, a shipment's
 * tracking number, the shipping city or phone (digits only, so "600 100 200" finds "+48600100200"),
 * or the grand total ("149.99" or "149,99"). Each branch is an index lookup (trigram or b-tree,
 * migration 0040); the union is the set of matching ids.
 */
function searchIds(tenantId: string, needle: string) {
  const pattern = likePattern(needle.trim());
  const digits = needle.replace(/[\s+()-]/g, '');
  const phone = /^\d{5,}$/.test(digits) ? `%${digits}%` : null;
  let minor: bigint | null = null;
  const amount = needle.trim().replace(',', '.');
  // An amount in a currency of two decimals (PLN, EUR, RUB…): grand_total holds minor units.
  const money = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(amount);
  if (money) minor = BigInt(money[1]!) * 100n + BigInt((money[2] ?? '').padEnd(2, '0'));
  const exact = needle.trim();
  const phoneExact = /^\d{5,}$/.test(digits) ? digits : null;
  // Exact match first (migration 0028's b-trees): a number, external id, e-mail, tracking number or
  // full phone that matches exactly answers alone, and the trigram branches are not run at all
  // (`not exists (select 1 from exact)` is a one-time filter the planner checks before them).
  return sql<string>`
    with exact as (
      select o.id from orders o where o.tenant_id = ${tenantId}
        and (o.number = ${exact} or o.external_id = ${exact} or lower(o.customer_email) = ${exact.toLowerCase()})
      union
      select s.order_id from shipments s where s.tenant_id = ${tenantId} and lower(s.tracking_number) = ${exact.toLowerCase()}
      ${
        phoneExact
          ? sql`union
      select o.id from orders o where o.tenant_id = ${tenantId}
        and regexp_replace(coalesce(o.shipping_address->>'phone', ''), '[^0-9]', '', 'g') = ${phoneExact}`
          : sql``
      }
    )
    select id from exact
    union all
    select fuzzy.id from (${fuzzyIds(tenantId, pattern, phone, minor)}) fuzzy where not exists (select 1 from exact)`;
}

function fuzzyIds(tenantId: string, pattern: string, phone: string | null, minor: bigint | null) {
  return sql<string>`
    select o.id from orders o where o.tenant_id = ${tenantId} and o.search_text like ${pattern}
    union
    select l.order_id from order_lines l where l.tenant_id = ${tenantId}
      and lower(l.sku || ' ' || l.name) like ${pattern}
    union
    select s.order_id from shipments s where s.tenant_id = ${tenantId}
      and lower(coalesce(s.tracking_number, '')) like ${pattern}
    union
    select o.id from orders o where o.tenant_id = ${tenantId}
      and lower(coalesce(o.shipping_address->>'city', '')) like ${pattern}
    ${
      phone
        ? sql`union
    select o.id from orders o where o.tenant_id = ${tenantId}
      and regexp_replace(coalesce(o.shipping_address->>'phone', ''), '[^0-9]', '', 'g') like ${phone}`
        : sql``
    }
    ${
      minor !== null
        ? sql`union
    select o.id from orders o where o.tenant_id = ${tenantId} and o.grand_total = ${minor.toString()}`
        : sql``
    }`;
}

function filtered(scope: TenantScope, file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>) {
  let query = scope
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    );
  if (file.state) query = query.where('orders.state', '=', file.state);
  if (file.channel) query = query.where('channels.code', '=', file.channel);
  if (file.customerId) query = query.where('orders.customer_id', '=', file.customerId);
  if (file.type) query = query.where('orders.order_type', '=', file.type);
  if (file.placedFrom) query = query.where('orders.placed_at', '>=', new Date(file.placedFrom));
  if (file.placedTo) query = query.where('orders.placed_at', '<', new Date(file.placedTo));
  // The matching ids are found first (one array): with `in (…)` the planner may walk the whole
  // tenant's orders newest first to meet a page of one or two matches.
  if (file.q?.trim()) query = query.where(sql<boolean>`orders.id = any(array(${searchIds(scope.tenantId, file.q)}))`);
  if (file.location) query = query.where(locationCondition(scope.tenantId, file.location));
  // KPIs are about sales; "needs attention" counts return orders too (their exceptions and tasks)
  if ((file.kpi && file.kpi !== 'attention') || file.stage) query = query.where('orders.order_type', '<>', 'return');
  if (file.stage) query = query.where(stageCondition(scope.tenantId, file.stage));
  if (file.kpi)
    query = query.where(
      kpiCondition(file.kpi, {
        tenantId: scope.tenantId,
        now: file.now ?? new Date(),
        slaHours: file.slaHours ?? 48,
        stuckHours: file.stuckHours ?? 24,
      }),
    );
  return query;
}

/**
 * One page of orders in the chosen sort (default newest first), paged by a keyset cursor on
 * (sort column, id): every sort column has an index starting (tenant_id, column, id), so a page
 * is an index range scan at any table size, with no duplicates or gaps between pages. The first
 * page (no cursor) also counts every match (`total`); later pages do not count again.
 */
export function listOrders(scope: TenantScope, file: ListQuery) {
  return listPage(scope, file, !file.cursor);
}

async function listPage(scope: TenantScope, file: ListQuery, count: boolean) {
  const sort = file.sort ?? '-created';
  const desc = sort.startsWith('-');
  const column = SORT_COLUMNS[sort.replace(/^-/, '') as SortKey];
  const ref = sql.ref(`orders.${column}`);
  let query = filtered(scope, file).selectAll('orders').select('channels.code as channel_code');
  const after = decodeCursor(file.cursor, sort);
  if (after) {
    const value = column === 'placed_at' ? new Date(after.value) : after.value;
    query =
      column === 'id'
        ? query.where('orders.id', desc ? '<' : '>', after.id)
        : query.where(
            desc
              ? sql<boolean>`(${ref}, orders.id) < (${value}, ${after.id})`
              : sql<boolean>`(${ref}, orders.id) > (${value}, ${after.id})`,
          );
  }
  const direction = desc ? 'desc' : 'asc';
  if (column !== 'id') query = query.orderBy(`orders.${column}`, direction);
  const rows = await query
    .orderBy('orders.id', direction)
    .limit(file.limit + 1)
    .execute();
  const page = rows.slice(0, file.limit);
  const last = page.at(-1);
  const valueOf = (row: (typeof rows)[number]) =>
    column === 'placed_at' ? new Date(row.placed_at).toISOString() : String(row[column]);
  const total = count ? await countOrders(scope, file) : null;
  return {
    items: page.map(orderSummaryView),
    nextCursor: rows.length > file.limit && last ? encodeCursor(sort, valueOf(last), last.id) : null,
    total,
  };
}

export async function countOrders(scope: TenantScope, file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>) {
  const row = await filtered(scope, file)
    .select(sql<string>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const CSV_COLUMNS = [
  'number',
  'displayNumber',
  'externalId',
  'placedAt',
  'state',
  'channel',
  'customer',
  'email',
  'currency',
  'grandTotal',
  'lineCount',
] as const;

/** A CSV field: quoted when needed; text that a spreadsheet would run as a formula is defused. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The whole filtered list as CSV, streamed page by page (500 rows a query) in the chosen sort:
 * UTF-8 with a byte order mark so Excel reads Polish and Cyrillic names, CRLF line ends.
 */
export async function* ordersCsv(scope: TenantScope, file: Omit<ListQuery, 'limit' | 'cursor'>) {
  yield `\uFEFF${CSV_COLUMNS.join(',')}\r\n`;
  let cursor: string | undefined;
  for (;;) {
    const page = await listPage(scope, { ...file, limit: 500, cursor }, false);
    const lines = page.items.map((o) =>
      [
        o.number,
        o.displayNumber,
        o.externalId,
        o.placedAt,
        o.state,
        o.channel,
        o.customer.name,
        o.customer.email,
        o.currency,
        o.grandTotal,
        o.lineCount,
      ]
        .map(csvField)
        .join(','),
    );
    if (lines.length) yield `${lines.join('\r\n')}\r\n`;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
