import { sql, type RawBuilder } from 'kysely';
import type { z } from 'zod';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { orderListQuery } from './schemas.js';
import { orderSummaryView } from './order-view.js';
import { AppError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { attentionIds, kpiCondition, locationCondition, stageCondition } from './kpi-filters.js';

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

/** A first page counts at most this many matches; beyond it `total` is this and `totalExact` false. */
export const COUNT_CAP = 10_000;
/**
 * A search branch (one index) with more matches than this is walked rather than collected: the
 * newest orders are read in the list's order with the branch's condition as a filter, which finds
 * a page after a few hundred rows when a needle is common (a surname, a city).
 */
export const SEARCH_PROBE = 2_000;

/** The two bounds above (tests pass small ones to see both plans and a capped count on few orders). */
export interface ListBounds {
  countCap: number;
  searchProbe: number;
}
const BOUNDS: ListBounds = { countCap: COUNT_CAP, searchProbe: SEARCH_PROBE };

/**
 * What a search needle resolved to: the ids of the branches with few matches (every one of
 * them) and, for each branch with many, its condition on an `orders` row. `exhaustive` when
 * there are no conditions: the ids are all the matches.
 */
interface Search {
  ids: string[];
  conditions: RawBuilder<boolean>[];
}

/**
 * Finds the orders matching `q` anywhere a person would look: an exact number, external id,
 * e-mail, tracking number, full phone or SKU first (b-trees of 0028 and 0034) — such a match
 * answers alone; otherwise the order's search text (number, external and display numbers,
 * customer name, e-mail, buyer id), a line's SKU or product name, a tracking number, the shipping
 * city or phone (digits only, so "600 100 200" finds "+48600100200"), or the grand total
 * ("149.99" or "149,99"), each a trigram or b-tree index of 0025/0034. One round trip reads up
 * to SEARCH_PROBE + 1 ids per branch: a branch that stops short is complete and contributes its
 * ids; one that reaches the bound is common and becomes a filter on the walk of the newest orders.
 */
async function resolveSearch(scope: TenantScope, needle: string, probeBound: number): Promise<Search> {
  const tenantId = scope.tenantId;
  const exact = needle.trim();
  const pattern = likePattern(exact);
  const digits = needle.replace(/[\s+()-]/g, '');
  const phoneExact = /^\d{5,}$/.test(digits) ? digits : null;
  const phone = phoneExact ? `%${digits}%` : null;
  let minor: bigint | null = null;
  // An amount in a currency of two decimals (PLN, EUR, RUB…): grand_total holds minor units.
  const money = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(exact.replace(',', '.'));
  if (money) minor = BigInt(money[1]!) * 100n + BigInt((money[2] ?? '').padEnd(2, '0'));

  const found = await sql<{ id: string }>`
    select o.id from orders o where o.tenant_id = ${tenantId}
      and (o.number = ${exact} or o.external_id = ${exact} or lower(o.customer_email) = ${exact.toLowerCase()})
    union
    select s.order_id from shipments s where s.tenant_id = ${tenantId} and lower(s.tracking_number) = ${exact.toLowerCase()}
    union
    select l.order_id from order_lines l join products p on p.tenant_id = l.tenant_id and p.id = l.product_id
      where p.tenant_id = ${tenantId} and p.sku = ${exact} and l.tenant_id = ${tenantId}
    ${
      phoneExact
        ? sql`union
    select o.id from orders o where o.tenant_id = ${tenantId}
      and regexp_replace(coalesce(o.shipping_address->>'phone', ''), '[^0-9]', '', 'g') = ${phoneExact}`
        : sql``
    }`.execute(scope.conn);
  if (found.rows.length) return { ids: found.rows.map((row) => row.id), conditions: [] };

  const lines = sql<boolean>`exists (select 1 from order_lines l where l.tenant_id = orders.tenant_id
    and l.order_id = orders.id and lower(l.sku || ' ' || l.name) like ${pattern})`;
  const tracking = sql<boolean>`exists (select 1 from shipments s where s.tenant_id = orders.tenant_id
    and s.order_id = orders.id and lower(coalesce(s.tracking_number, '')) like ${pattern})`;
  // Each branch: [the query of its ids, the same condition on an orders row].
  const branches: [RawBuilder<{ id: string }>, RawBuilder<boolean>][] = [
    [
      sql`select o.id from orders o where o.tenant_id = ${tenantId} and o.search_text like ${pattern}`,
      sql`orders.search_text like ${pattern}`,
    ],
    [
      sql`select l.order_id as id from order_lines l where l.tenant_id = ${tenantId}
        and lower(l.sku || ' ' || l.name) like ${pattern}`,
      lines,
    ],
    [
      sql`select s.order_id as id from shipments s where s.tenant_id = ${tenantId}
        and lower(coalesce(s.tracking_number, '')) like ${pattern}`,
      tracking,
    ],
    [
      sql`select o.id from orders o where o.tenant_id = ${tenantId}
        and lower(coalesce(o.shipping_address->>'city', '')) like ${pattern}`,
      sql`lower(coalesce(orders.shipping_address->>'city', '')) like ${pattern}`,
    ],
  ];
  if (phone)
    branches.push([
      sql`select o.id from orders o where o.tenant_id = ${tenantId}
        and regexp_replace(coalesce(o.shipping_address->>'phone', ''), '[^0-9]', '', 'g') like ${phone}`,
      sql`regexp_replace(coalesce(orders.shipping_address->>'phone', ''), '[^0-9]', '', 'g') like ${phone}`,
    ]);
  if (minor !== null)
    branches.push([
      sql`select o.id from orders o where o.tenant_id = ${tenantId} and o.grand_total = ${minor.toString()}`,
      sql`orders.grand_total = ${minor.toString()}`,
    ]);
  // Each branch in a materialized CTE: planned for all its rows (its index), read only as far
  // as the bound.
  const probe = (chosen: number[]) => sql<{ branch: number; id: string }>`
    with ${sql.join(
      chosen.map((at) => sql`${sql.raw(`b${at}`)} as materialized (${branches[at]![0]})`),
      sql`, `,
    )}
    ${sql.join(
      chosen.map((at) => sql`(select ${at}::int as branch, id from ${sql.raw(`b${at}`)} limit ${probeBound + 1})`),
      sql` union all `,
    )}`;
  // First the planner's estimate of each branch (the trigram index's statistics, no rows read):
  // one it expects to match more than the bound is walked without reading its matches. The others
  // are read up to the bound, which also catches an estimate that was too low.
  const every = branches.map((_, at) => at);
  const plan = await sql<Record<string, unknown>>`explain (format json) ${probe(every)}`.execute(scope.conn);
  const estimates = branchEstimates(Object.values(plan.rows[0] ?? {})[0]);
  const common = new Set(every.filter((at) => (estimates.get(`b${at}`) ?? 0) > probeBound));
  const rest = every.filter((at) => !common.has(at));
  const read = rest.length ? (await probe(rest).execute(scope.conn)).rows : [];
  const counts = branches.map(() => 0);
  for (const row of read) counts[row.branch]! += 1;
  for (const at of rest) if (counts[at]! > probeBound) common.add(at);
  const ids = new Set<string>();
  for (const row of read) if (!common.has(row.branch)) ids.add(row.id);
  return { ids: [...ids], conditions: [...common].sort().map((at) => branches[at]![1]) };
}

/** The planner's row estimate of each CTE (by name) in an `explain (format json)` answer. */
function branchEstimates(plan: unknown): Map<string, number> {
  const found = new Map<string, number>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const name = /^CTE (b\d+)$/.exec(String(record['Subplan Name'] ?? ''));
    if (name) found.set(name[1]!, Number(record['Plan Rows'] ?? 0));
    for (const value of Object.values(record)) if (value && typeof value === 'object') visit(value);
  };
  visit(typeof plan === 'string' ? JSON.parse(plan) : plan);
  return found;
}

/** The search as a condition on `orders`: the collected ids, or any common branch's condition. */
function searchCondition(search: Search) {
  const ids = sql<boolean>`orders.id = any(${search.ids}::uuid[])`;
  if (!search.conditions.length) return ids;
  return sql<boolean>`(${sql.join([...(search.ids.length ? [ids] : []), ...search.conditions], sql` or `)})`;
}

/** What a list's filters resolved to before its queries: the search, and the orders needing attention. */
interface Found {
  search: Search | null;
  attention: string[] | null;
}

const kpiOptions = (scope: TenantScope, file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>) => ({
  tenantId: scope.tenantId,
  now: file.now ?? new Date(),
  slaHours: file.slaHours ?? 48,
  stuckHours: file.stuckHours ?? 24,
});

async function resolve(
  scope: TenantScope,
  file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>,
  bounds: ListBounds,
): Promise<Found> {
  const search = file.q?.trim() ? await resolveSearch(scope, file.q, bounds.searchProbe) : null;
  // The few orders needing attention are found first, each part by its own index (as the
  // navigation's count finds them), rather than by testing every order newest first; as a
  // known array the planner fetches them by key.
  const attention =
    file.kpi === 'attention'
      ? (await attentionIds(kpiOptions(scope, file)).execute(scope.conn)).rows.map((row) =>
          String(Object.values(row)[0]),
        )
      : null;
  return { search, attention };
}

function filtered(scope: TenantScope, file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>, found: Found) {
  // The channel is looked up per row shown, not joined: a join to the few channels made the planner
  // probe the orders once per channel.
  let query = scope.selectFrom('orders');
  if (file.state) query = query.where('orders.state', '=', file.state);
  if (file.channel)
    query = query.where(
      sql<boolean>`orders.channel_id in (select c.id from channels c where c.tenant_id = ${scope.tenantId} and c.code = ${file.channel})`,
    );
  if (file.customerId) query = query.where('orders.customer_id', '=', file.customerId);
  if (file.type) query = query.where('orders.order_type', '=', file.type);
  if (file.placedFrom) query = query.where('orders.placed_at', '>=', new Date(file.placedFrom));
  if (file.placedTo) query = query.where('orders.placed_at', '<', new Date(file.placedTo));
  // The matching ids are found first (one array): with `in (…)` the planner may walk the whole
  // tenant's orders newest first to meet a page of one or two matches.
  if (found.search) query = query.where(searchCondition(found.search));
  if (file.location) query = query.where(locationCondition(scope.tenantId, file.location));
  // KPIs are about sales; "needs attention" counts return orders too (their exceptions and tasks)
  if ((file.kpi && file.kpi !== 'attention') || file.stage) query = query.where('orders.order_type', '<>', 'return');
  if (file.stage) query = query.where(stageCondition(scope.tenantId, file.stage));
  if (file.kpi)
    query = query.where(
      found.attention
        ? sql<boolean>`orders.id = any(${found.attention}::uuid[])`
        : kpiCondition(file.kpi, kpiOptions(scope, file)),
    );
  return query;
}

/**
 * One page of orders in the chosen sort (default newest first), paged by a keyset cursor on
 * (sort column, id): every sort column has an index starting (tenant_id, column, id), so a page
 * is an index range scan at any table size, with no duplicates or gaps between pages. The first
 * page (no cursor) also counts the matches (`total`), up to COUNT_CAP: `totalExact` is false when
 * more match than `total` says (a common search needle or a large unfiltered list); later pages
 * do not count again.
 */
export async function listOrders(scope: TenantScope, file: ListQuery, bounds: ListBounds = BOUNDS) {
  const found = await resolve(scope, file, bounds);
  const page = await listPage(scope, file, found);
  if (file.cursor) return { ...page, total: null, totalExact: null };
  return { ...page, ...(await countPage(scope, file, found, bounds)) };
}

async function listPage(scope: TenantScope, file: ListQuery, found: Found) {
  const sort = file.sort ?? '-created';
  const desc = sort.startsWith('-');
  const column = SORT_COLUMNS[sort.replace(/^-/, '') as SortKey];
  const ref = sql.ref(`orders.${column}`);
  let query = filtered(scope, file, found)
    .selectAll('orders')
    .select(
      sql<string>`(select c.code from channels c where c.tenant_id = orders.tenant_id and c.id = orders.channel_id)`.as(
        'channel_code',
      ),
    );
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
  type Row = Awaited<ReturnType<typeof query.execute>>[number];
  // A known set of ids (a rare needle, the orders needing attention) is fetched by key first and
  // sorted after (a materialized CTE): left to itself the planner may walk the whole list in order
  // testing each row against the array, as if the ids were many.
  const known = !!found.attention || (!!found.search && !found.search.conditions.length);
  const rows: Row[] = known
    ? ((
        await sql<Row>`with picked as materialized (${query})
          select * from picked order by ${sql.ref(column)} ${sql.raw(direction)}, id ${sql.raw(direction)}
          limit ${file.limit + 1}`.execute(scope.conn)
      ).rows as Row[])
    : await (column === 'id' ? query : query.orderBy(`orders.${column}`, direction))
        .orderBy('orders.id', direction)
        .limit(file.limit + 1)
        .execute();
  const page = rows.slice(0, file.limit);
  const last = page.at(-1);
  const valueOf = (row: (typeof rows)[number]) =>
    column === 'placed_at' ? new Date(row.placed_at).toISOString() : String(row[column]);
  return {
    items: page.map(orderSummaryView),
    nextCursor: rows.length > file.limit && last ? encodeCursor(sort, valueOf(last), last.id) : null,
  };
}

/** Filters besides `q` that narrow the list (each may make a capped count walk further). */
const narrowed = (file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>) =>
  !!(
    file.state ||
    file.channel ||
    file.customerId ||
    file.type ||
    file.placedFrom ||
    file.placedTo ||
    file.location ||
    file.kpi ||
    file.stage
  );

/**
 * The first page's count: exact up to a cap, so it costs at most reading `cap` index entries.
 * A search with a common branch already knows more than SEARCH_PROBE orders match when nothing
 * else narrows it; otherwise it counts up to SEARCH_PROBE (walking with the common condition).
 */
async function countPage(
  scope: TenantScope,
  file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>,
  found: Found,
  bounds: ListBounds,
): Promise<{ total: number; totalExact: boolean }> {
  const common = !!found.search?.conditions.length;
  if (common && !narrowed(file)) return { total: bounds.searchProbe, totalExact: false };
  // Ids found alone are the matches (each is an order: the tables they come from reference it).
  if (found.attention && !found.search && !narrowed({ ...file, kpi: undefined }))
    return { total: found.attention.length, totalExact: true };
  if (found.search && !common && !narrowed(file)) return { total: found.search.ids.length, totalExact: true };
  const cap = common ? bounds.searchProbe : bounds.countCap;
  // Planned for every match (a CTE), read only up to the cap: with the limit in the same query
  // the planner may pick a walk that is fast only when matches are many.
  const matches = filtered(scope, file, found).select(sql<number>`1`.as('one'));
  const counted = await sql<{ n: string }>`
    with matches as materialized (${matches})
    select count(*) as n from (select 1 from matches limit ${cap + 1}) capped`.execute(scope.conn);
  const row = counted.rows[0]!;
  const total = Number(row.n);
  return total > cap ? { total: cap, totalExact: false } : { total, totalExact: true };
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
export async function* ordersCsv(
  scope: TenantScope,
  file: Omit<ListQuery, 'limit' | 'cursor'>,
  bounds: ListBounds = BOUNDS,
) {
  yield `\uFEFF${CSV_COLUMNS.join(',')}\r\n`;
  const found = await resolve(scope, file, bounds);
  let cursor: string | undefined;
  for (;;) {
    const page = await listPage(scope, { ...file, limit: 500, cursor }, found);
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
