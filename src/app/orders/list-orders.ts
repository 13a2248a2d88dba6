import { sql, type RawBuilder } from 'kysely';
import type { z } from 'zod';
import type { TenantScope } from '../../store/tenant-scope.js';
import { withoutParallelWorkers } from '../../store/without-parallel-workers.js';
import { likePattern } from '../../store/like-pattern.js';
import type { orderListQuery } from './schemas.js';
import { orderSummaryView } from './order-view.js';
import { decodeCursor, encodeCursor, SORT_COLUMNS, type SortKey } from './list-cursor.js';
import {
  attentionIds,
  channelCondition,
  kpiCondition,
  endedCount,
  endedPage,
  lateIds,
  locationCondition,
  stageCondition,
} from './kpi-filters.js';

type ListQuery = z.infer<typeof orderListQuery> & { now?: Date };

/** The longest run of digits in a needle, when it has five or more (looked up by its windows, migration 0039). */
function longestDigitRun(needle: string): string | null {
  const runs = needle.match(/[0-9]{5,}/g) ?? [];
  return runs.reduce<string | null>((longest, run) => (run.length > (longest?.length ?? 0) ? run : longest), null);
}

/** The 5-digit windows of a run of digits, as `ordo_digit_grams` (migration 0039) lists a value's. */
export const digitGrams = (run: string) => [
  ...new Set(Array.from({ length: Math.max(0, run.length - 4) }, (_, at) => run.slice(at, at + 5))),
];

/** A first page counts at most this many matches; beyond it `total` is this and `totalExact` false. */
export const COUNT_CAP = 10_000;
/**
 * The fewest matches a search branch (one index) collects before it is walked instead: the
 * newest orders are read in the list's order with the branch's condition as a filter, which finds
 * a page after a few hundred rows when a needle is common (a surname, a city). On a large tenant
 * the bound grows with the square root of its orders (see resolveSearch).
 */
export const SEARCH_PROBE = 2_000;
/** How many of the newest orders a search reads first to see how common each branch's needle is. */
export const SEARCH_SAMPLE = 2_000;
/** The page a walk is sized for: the list's default limit. */
export const WALK_PAGE = 50;
/**
 * What a match collected through a trigram index costs, in rows walked: measured at 1M orders, a
 * walk read 10,361 of the newest orders in 17.5 ms, and collecting 5,000 matches of one needle
 * through its index took ~120 ms (scattered rows, each rechecked).
 */
const PROBE_COST = 14;

/** The bounds above (tests pass small ones to see every plan and a capped count on few orders). */
export interface ListBounds {
  countCap: number;
  searchProbe: number;
  searchSample: number;
  walkPage: number;
}
const BOUNDS: ListBounds = {
  countCap: COUNT_CAP,
  searchProbe: SEARCH_PROBE,
  searchSample: SEARCH_SAMPLE,
  walkPage: WALK_PAGE,
};

/**
 * What a search needle resolved to: the ids of the branches with few matches (every one of
 * them) and, for each branch with many, its condition on an `orders` row; how many orders are
 * known to match (`matched`), all of them when `exact`.
 */
export interface Search {
  ids: string[];
  conditions: RawBuilder<boolean>[];
  matched: number;
  exact: boolean;
}

/** One place a search needle is looked for (see resolveSearch). */
interface Branch {
  /** The ids of the orders it matches, through its index. */
  ids: RawBuilder<{ id: string }>;
  /** The same test of an `orders` row. */
  row: RawBuilder<boolean>;
  /** A branch on another table: its orders among those from `oldest` on, by that table's order index. */
  since?: (oldest: string) => RawBuilder<{ id: string }>;
}

/**
 * Finds the orders matching `q` anywhere a person would look: an exact number, external id,
 * e-mail, tracking number, full phone or SKU first (b-trees of 0028 and 0034) — such a match
 * answers alone; otherwise the order's search text (number, external and display numbers,
 * customer name, e-mail, buyer id), a line's SKU (through its product) or name, a tracking number,
 * the shipping city or phone (digits only, so "600 100 200" finds "+48600100200"), or the grand
 * total ("149.99" or "149,99"), each a trigram or b-tree index of 0025/0034/0038; five or more
 * digits in a row are looked up by their 5-digit windows (0039).
 *
 * How common each of those branches is decides how it is read, and it is measured, not guessed:
 * the newest SEARCH_SAMPLE orders are tested against every branch first (one bounded read; the
 * planner's estimate of a substring's matches was off by orders of magnitude for common
 * surnames, and a common needle read through its trigram index costs seconds). When they are all
 * of the tenant's orders, their matches are the answer. Otherwise a branch whose share of the
 * sample, over the tenant's orders, comes to more than `bound` matches is walked (a page of
 * WALK_PAGE costs about WALK_PAGE / share rows); the others are read through their indexes up to
 * `bound` + 1 ids, and one that reaches it is walked too. `bound` is √(WALK_PAGE × orders /
 * PROBE_COST), at least SEARCH_PROBE: where walking and collecting cost about the same, so
 * neither costs much more whatever the needle (≈ 2,000 matches at 1M orders, 6,000 at 10M).
 */
export async function resolveSearch(scope: TenantScope, needle: string, bounds: ListBounds = BOUNDS): Promise<Search> {
  const tenantId = scope.tenantId;
  const exact = needle.trim();
  const pattern = likePattern(exact);
  const digits = needle.replace(/[\s+()-]/g, '');
  const phoneExact = /^\d{5,}$/.test(digits) ? digits : null;
  const phone = phoneExact ? `%${digits}%` : null;
  // The phone's digits, written as the indexes of 0028 and 0039 have them.
  const phoneOf = (alias: string) =>
    sql<string>`regexp_replace(coalesce(${sql.ref(`${alias}.shipping_address`)}->>'phone', ''), '[^0-9]', '', 'g')`;
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
      and ${phoneOf('o')} = ${phoneExact}`
        : sql``
    }`.execute(scope.conn);
  if (found.rows.length) {
    const ids = found.rows.map((row) => row.id);
    return { ids, conditions: [], matched: ids.length, exact: true };
  }

  // Each branch: the query of its ids (through its index) and the same test of an orders row. The
  // test of a row is wrapped in `coalesce(…, false)`, which no index serves and which the planner
  // takes to match half the rows: a walked branch is common, and the planner, misled by its own
  // estimate of a substring, would otherwise read every match through the trigram index, or scan
  // the whole table, instead of walking the newest orders. A branch on another table also says
  // how to find its matches among the orders from a given id on, by that table's order index.
  const test = (condition: RawBuilder<boolean>) => sql<boolean>`coalesce(${condition}, false)`;
  // A needle with five or more digits in a row is looked up by its 5-digit windows (migration
  // 0039) where the value has digits, and the plain test then reads only the rows holding them all.
  const run = longestDigitRun(exact);
  const lookup = (value: RawBuilder<string>, matches: RawBuilder<boolean>, digits = run) =>
    digits ? sql<boolean>`ordo_digit_grams(${value}) @> ${digitGrams(digits)}::text[] and ${test(matches)}` : matches;
  const lineText = sql<boolean>`(lower(l.sku) like ${pattern} or lower(l.name) like ${pattern})`;
  const trackingText = sql<boolean>`lower(coalesce(s.tracking_number, '')) like ${pattern}`;
  const branches: Branch[] = [
    {
      ids: sql`select o.id from orders o where o.tenant_id = ${tenantId}
        and ${lookup(sql`o.search_text`, sql`o.search_text like ${pattern}`)}`,
      row: test(sql`orders.search_text like ${pattern}`),
    },
    {
      // A line's SKU is its product's: the few products whose SKU holds the needle, by the
      // catalogue's trigram index, and their lines by order_lines_product (a run of digits shares
      // its trigrams with every SKU, whose posting lists over every line cost the most to read);
      // a line's name by its own index.
      ids: sql`select l.order_id as id from order_lines l where l.tenant_id = ${tenantId}
          and l.product_id = any(array(select p.id from products p where p.tenant_id = ${tenantId} and lower(p.sku) like ${pattern}))
          and lower(l.sku) like ${pattern}
        union all
        select l.order_id as id from order_lines l where l.tenant_id = ${tenantId}
          and ${lookup(sql`l.name`, sql`lower(l.name) like ${pattern}`)}`,
      row: test(sql`exists (select 1 from order_lines l where l.tenant_id = orders.tenant_id
        and l.order_id = orders.id and ${lineText})`),
      since: (oldest) => sql`select distinct l.order_id as id from order_lines l
        where l.tenant_id = ${tenantId} and l.order_id >= ${oldest} and ${test(lineText)}`,
    },
    {
      ids: sql`select s.order_id as id from shipments s where s.tenant_id = ${tenantId}
        and ${lookup(sql`coalesce(s.tracking_number, '')`, trackingText)}`,
      row: test(sql`exists (select 1 from shipments s where s.tenant_id = orders.tenant_id
        and s.order_id = orders.id and ${trackingText})`),
      since: (oldest) => sql`select distinct s.order_id as id from shipments s
        where s.tenant_id = ${tenantId} and s.order_id >= ${oldest} and ${test(trackingText)}`,
    },
    {
      ids: sql`select o.id from orders o where o.tenant_id = ${tenantId}
        and lower(coalesce(o.shipping_address->>'city', '')) like ${pattern}`,
      row: test(sql`lower(coalesce(orders.shipping_address->>'city', '')) like ${pattern}`),
    },
  ];
  const phoneDigits = (alias: string) => sql<boolean>`${phoneOf(alias)} like ${phone}`;
  if (phone)
    branches.push({
      ids: sql`select o.id from orders o where o.tenant_id = ${tenantId}
        and ${lookup(phoneOf('o'), phoneDigits('o'), phoneExact)}`,
      row: test(phoneDigits('orders')),
    });
  if (minor !== null)
    branches.push({
      ids: sql`select o.id from orders o where o.tenant_id = ${tenantId} and o.grand_total = ${minor.toString()}`,
      row: test(sql`orders.grand_total = ${minor.toString()}`),
    });
  const every = branches.map((_, at) => at);

  // The sample: which branches each of the newest orders matches (a bit each), how many were read
  // and the oldest of them; the other tables' matches among those orders by their order index.
  const own = every.filter((at) => !branches[at]!.since);
  const sampled = await sql<{ id: string | null; hits: number | null; seen: number | null }>`
    with flagged as (
      select orders.id, ${sql.join(
        own.map((at) => sql`(case when ${branches[at]!.row} then ${1 << at} else 0 end)`),
        sql` + `,
      )} as hits
      from (select * from orders where tenant_id = ${tenantId} order by id desc limit ${bounds.searchSample}) as orders)
    select id, hits, null::int as seen from flagged where hits > 0
    union all select min(id::text)::uuid, null, count(*)::int from flagged`.execute(scope.conn);
  const bits = new Map<string, number>();
  for (const row of sampled.rows) if (row.hits !== null) bits.set(row.id!, row.hits);
  const tally = sampled.rows.find((row) => row.hits === null);
  const seen = Number(tally?.seen ?? 0);
  const others = every.filter((at) => branches[at]!.since);
  if (seen && others.length) {
    const oldest = tally!.id!;
    const elsewhere = await sql<{ id: string; bit: number }>`${sql.join(
      others.map((at) => sql`(select id, ${1 << at}::int as bit from (${branches[at]!.since!(oldest)}) m)`),
      sql` union all `,
    )}`.execute(scope.conn);
    for (const row of elsewhere.rows) bits.set(row.id, (bits.get(row.id) ?? 0) | row.bit);
  }
  const hits = [...bits].map(([id, mask]) => ({ id, hits: mask }));
  const counts = every.map((at) => hits.filter((row) => row.hits & (1 << at)).length);
  const matching = (branchSet: Set<number>) => (row: { hits: number }) =>
    [...branchSet].some((at) => row.hits & (1 << at));

  if (seen < bounds.searchSample) {
    // The sample read every order of the tenant: its matches are all of them. A common branch is
    // still walked (its ids would be a long array); the orders only other branches match are ids.
    const common = new Set(every.filter((at) => counts[at]! > bounds.searchProbe));
    const ids = hits.filter((row) => !matching(common)(row)).map((row) => row.id);
    return { ids, conditions: conditionsOf(branches, common), matched: hits.length, exact: true };
  }

  const plan = await sql<Record<string, unknown>>`explain (format json)
    select 1 from orders where tenant_id = ${tenantId}`.execute(scope.conn);
  const orders = Math.max(seen, planRows(Object.values(plan.rows[0] ?? {})[0]));
  const bound = Math.max(bounds.searchProbe, Math.ceil(Math.sqrt((bounds.walkPage * orders) / PROBE_COST)));
  const common = new Set(every.filter((at) => (counts[at]! * orders) / seen > bound));
  const rest = every.filter((at) => !common.has(at));
  // Each probed branch in a materialized CTE: planned for all its rows (its index), read only as far as the bound.
  const read = rest.length
    ? (
        await sql<{ branch: number; id: string }>`
          with ${sql.join(
            rest.map((at) => sql`${sql.raw(`b${at}`)} as materialized (${branches[at]!.ids})`),
            sql`, `,
          )}
          ${sql.join(
            rest.map((at) => sql`(select ${at}::int as branch, id from ${sql.raw(`b${at}`)} limit ${bound + 1})`),
            sql` union all `,
          )}`.execute(scope.conn)
      ).rows
    : [];
  const probed = branches.map(() => 0);
  for (const row of read) probed[row.branch]! += 1;
  const overflowed = rest.filter((at) => probed[at]! > bound);
  for (const at of overflowed) common.add(at);
  const ids = [...new Set(read.filter((row) => !common.has(row.branch)).map((row) => row.id))];
  if (!common.size) return { ids, conditions: [], matched: ids.length, exact: true };
  // Known to match: the sample's orders that a common branch matches, or a branch's bound + 1.
  const matched = Math.max(hits.filter(matching(common)).length, overflowed.length ? bound + 1 : 0);
  return { ids, conditions: conditionsOf(branches, common), matched, exact: false };
}

const conditionsOf = (branches: Branch[], common: Set<number>) =>
  [...common].sort((a, b) => a - b).map((at) => branches[at]!.row);

/** The planner's row estimate of the top node in an `explain (format json)` answer. */
function planRows(plan: unknown): number {
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan?: { 'Plan Rows'?: number } }[];
  return Number(parsed?.[0]?.Plan?.['Plan Rows'] ?? 0);
}

/** The search as a condition on `orders`: the collected ids, or any common branch's condition. */
function searchCondition(search: Search) {
  const ids = sql<boolean>`orders.id = any(${search.ids}::uuid[])`;
  if (!search.conditions.length) return ids;
  return sql<boolean>`(${sql.join([...(search.ids.length ? [ids] : []), ...search.conditions], sql` or `)})`;
}

/** What a list's filters resolved to before its queries: the search, and the orders of a KPI found first (needing attention, late). */
interface Found {
  search: Search | null;
  kpiIds: string[] | null;
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
  const search = file.q?.trim() ? await resolveSearch(scope, file.q, bounds) : null;
  // The few orders needing attention, or late, are found first, each part by its own index (as
  // the navigation's count finds them), rather than by testing every order newest first; as a
  // known array the planner fetches them by key.
  const kpiIds = file.kpi === 'attention' ? attentionIds : file.kpi === 'late' ? lateIds : null;
  if (!kpiIds) return { search, kpiIds: null };
  const found = await kpiIds(kpiOptions(scope, file)).execute(scope.conn);
  return { search, kpiIds: found.rows.map((row) => row.id) };
}

function filtered(scope: TenantScope, file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>, found: Found) {
  // The channel is looked up per row shown, not joined: a join to the few channels made the planner
  // probe the orders once per channel.
  let query = scope.selectFrom('orders');
  if (file.state) query = query.where('orders.state', '=', file.state);
  if (file.channel) query = query.where(channelCondition(scope.tenantId, file.channel));
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
      found.kpiIds
        ? sql<boolean>`orders.id = any(${found.kpiIds}::uuid[])`
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
  return withoutParallelWorkers(scope, async (reader) => {
    const found = await resolve(reader, file, bounds);
    const page = await listPage(reader, file, found);
    if (file.cursor) return { ...page, total: null, totalExact: null };
    return { ...page, ...(await countPage(reader, file, found, bounds, page)) };
  });
}

/** The channel's code of the `orders` row, looked up per row shown (not joined: see `filtered`). */
const channelCode = sql<string>`(select c.code from channels c where c.tenant_id = orders.tenant_id
  and c.id = orders.channel_id)`;
/** A page's rows: the whole order and its channel's code. */
const pageRows = (query: ReturnType<typeof filtered>) =>
  query.selectAll('orders').select(channelCode.as('channel_code'));

async function listPage(scope: TenantScope, file: ListQuery, found: Found) {
  const sort = file.sort ?? '-created';
  const desc = sort.startsWith('-');
  const column = SORT_COLUMNS[sort.replace(/^-/, '') as SortKey];
  const ref = sql.ref(`orders.${column}`);
  let query = filtered(scope, file, found);
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
  const direction = sql.raw(desc ? 'desc' : 'asc');
  const full = pageRows(query);
  type Row = Awaited<ReturnType<typeof full.execute>>[number];
  // A known set of ids (a rare needle, the orders needing attention or late) is fetched by key first and
  // sorted after (a materialized CTE): left to itself the planner may walk the whole list in order
  // testing each row against the array, as if the ids were many. Only the id and the sort value
  // are picked for the sort; the page's rows are read whole after it.
  const known = !!found.kpiIds || (!!found.search && !found.search.conditions.length);
  let rows: Row[];
  if (endedOnly(file, found) && column === 'id') {
    const select = sql`orders.*, ${channelCode} as channel_code`;
    const ended = endedPage(scope.tenantId, select, { afterId: after?.id ?? null, desc, limit: file.limit + 1 });
    rows = (await ended.execute(scope.conn)).rows as Row[];
  } else if (known && column === 'id') rows = await newestOfKnown(scope, file, found, after?.id ?? null, desc);
  else if (known)
    rows = (
      await sql<Row>`with picked as materialized (${query.select([sql.ref('orders.id').as('id'), ref.as('sort_value')])}),
          chosen as (select id from picked order by sort_value ${direction}, id ${direction} limit ${file.limit + 1})
          select orders.*, ${channelCode} as channel_code from chosen
            join orders on orders.tenant_id = ${scope.tenantId} and orders.id = chosen.id
          order by ${ref} ${direction}, orders.id ${direction}`.execute(scope.conn)
    ).rows;
  else
    rows = await (column === 'id' ? full : full.orderBy(`orders.${column}`, desc ? 'desc' : 'asc'))
      .orderBy('orders.id', desc ? 'desc' : 'asc')
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

/**
 * A page of a known set of ids in created order: ids are UUIDv7, so their order is the orders'
 * creation order, and the page is read in slices of that order (the first slice a few pages long,
 * each next one four times larger) until it is full — a page of the thousands of orders needing
 * attention reads ~200 rows, not all of them.
 */
async function newestOfKnown(scope: TenantScope, file: ListQuery, found: Found, afterId: string | null, desc: boolean) {
  const bare = found.search && !found.search.conditions.length ? new Set(found.search.ids) : null;
  let ids = found.kpiIds ? found.kpiIds.filter((id) => !bare || bare.has(id)) : [...bare!];
  ids.sort();
  if (desc) ids.reverse();
  if (afterId) ids = ids.filter((id) => (desc ? id < afterId : id > afterId));
  const rows = [];
  let size = 4 * (file.limit + 1);
  for (let at = 0; at < ids.length && rows.length <= file.limit; at += size, size *= 4) {
    const slice = ids.slice(at, at + size);
    const only: Found = {
      kpiIds: found.kpiIds ? slice : null,
      search: bare ? { ...found.search!, ids: slice } : found.search,
    };
    rows.push(
      ...(await pageRows(filtered(scope, file, only))
        .orderBy('orders.id', desc ? 'desc' : 'asc')
        .limit(file.limit + 1 - rows.length)
        .execute()),
    );
  }
  return rows;
}

/** `kpi=completed` and nothing else: walked in the ended orders' facts (endedPage). */
const endedOnly = (file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>, found: Found) =>
  file.kpi === 'completed' && !found.search && !narrowed({ ...file, kpi: undefined });

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
 * A search already knows how many orders match when nothing else narrows it (all of them, or at
 * least that many when a branch is walked). A walked search of a large tenant narrowed by another
 * filter takes its count from the page: all of them when the page is the last, else at least one more than it
 * shows — counting further would walk until `cap` matches, which for a filter whose orders are
 * the oldest (or the newest, walking from the oldest) reads most of the table.
 */
async function countPage(
  scope: TenantScope,
  file: Omit<ListQuery, 'limit' | 'cursor' | 'sort'>,
  found: Found,
  bounds: ListBounds,
  page: { items: unknown[]; nextCursor: string | null },
): Promise<{ total: number; totalExact: boolean }> {
  if (found.search && !narrowed(file)) return { total: found.search.matched, totalExact: found.search.exact };
  if (found.search?.conditions.length && !found.search.exact)
    return page.nextCursor
      ? { total: page.items.length + 1, totalExact: false }
      : { total: page.items.length, totalExact: true };
  // Ids found alone are the matches (each is an order: the tables they come from reference it).
  if (found.kpiIds && !found.search && !narrowed({ ...file, kpi: undefined }))
    return { total: found.kpiIds.length, totalExact: true };
  const cap = bounds.countCap;
  // Planned for every match (a CTE), read only up to the cap: with the limit in the same query
  // the planner may pick a walk that is fast only when matches are many. `kpi=completed` alone
  // counts in the ended orders' facts, whose matches are many (endedCount).
  const counted = endedOnly(file, found)
    ? endedCount(scope.tenantId, cap)
    : sql<{ n: string }>`
    with matches as materialized (${filtered(scope, file, found).select(sql<number>`1`.as('one'))})
    select count(*) as n from (select 1 from matches limit ${cap + 1}) capped`;
  const total = Number((await counted.execute(scope.conn)).rows[0]!.n);
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
