import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../store/db.js';

/**
 * Loads many realistic orders fast for scale tests (issue 19 item 5, docs/scale.md): every row is
 * built by set-based `insert … select` in the database itself, one transaction per batch, so a
 * batch is either all there or not at all. Each value is a function of (seed, index) through md5,
 * so the same seed gives the same orders on any machine, and a second run resumes after the last
 * committed batch (it counts the generated orders, numbered G000000001…). A batch's per-order
 * values (hashes, ids, stage times) are computed once into a temporary table that every insert
 * of the batch reads.
 *
 * Orders are placed `spacing` seconds apart up to the moment of the first run, so the newest are
 * still under way and the older ones finished, as in a real shop: each walks the shipped B2C
 * process — accepted (awaiting payment), paid (fulfilling), shipped (in transit) with a shipment
 * and tracking number, delivered — with one history row and one event per step it has reached by
 * now; 6 % are cancelled before payment, 0.1 % stop in a stock exception and 0.2 % stay in
 * fulfilment for good (stuck). Each has 1–3 lines over the generated SKUs (totals = sum of lines
 * + shipping), a Polish or Russian customer (name, e-mail, phone, city) and one of the tenant's
 * channels of that market (PLN channels for Polish customers, RUB ones for Russian). Every SKU
 * has stock at up to three warehouses.
 *
 * Large loads drop the secondary indexes of the big tables first and rebuild them after the last
 * batch (a table `generate_deferred_indexes` remembers their definitions until then, so an
 * interrupted run rebuilds them on the next one).
 */
export interface GenerateOptions {
  orders: number;
  skus: number;
  seed?: number;
  batch?: number;
  /** Channel code to put the orders in (default: the tenant's channels by the customer's market). */
  channel?: string;
  /** Seconds between two orders' placement (default 3: 10M orders span a year). */
  spacing?: number;
  /** Drop the big tables' secondary indexes during the load, rebuild after (default: ≥ 100,000 orders to load). */
  deferIndexes?: boolean;
  /** The moment the newest order is placed just before (default: now). */
  now?: Date;
  onProgress?: (done: number, total: number) => void;
  /** Told when a long step starts (products, customers, stock, dropping or rebuilding indexes). */
  onPhase?: (phase: string) => void;
}

export interface GenerateResult {
  orders: number;
  skus: number;
  customers: number;
  skipped: number;
}

const FIRST = [
  'Jan',
  'Anna',
  'Piotr',
  'Katarzyna',
  'Michał',
  'Małgorzata',
  'Krzysztof',
  'Agnieszka',
  'Tomasz',
  'Łucja',
  'Иван',
  'Мария',
  'Алексей',
  'Ольга',
  'Дмитрий',
  'Елена',
  'Сергей',
  'Наталья',
  'Андрей',
  'Татьяна',
];
const LAST = [
  'Kowalski',
  'Nowak',
  'Wiśniewski',
  'Wójcik',
  'Kowalczyk',
  'Kamiński',
  'Lewandowski',
  'Zieliński',
  'Szymański',
  'Woźniak',
  'Иванов',
  'Смирнов',
  'Кузнецов',
  'Попов',
  'Васильев',
  'Петров',
  'Соколов',
  'Михайлов',
  'Новиков',
  'Фёдоров',
];
/** LAST as a woman bears it (FIRST's odd places are women's names): -ska, -cka, -ова, -ева. */
const LAST_FEMININE = [
  'Kowalska',
  'Nowak',
  'Wiśniewska',
  'Wójcik',
  'Kowalczyk',
  'Kamińska',
  'Lewandowska',
  'Zielińska',
  'Szymańska',
  'Woźniak',
  'Иванова',
  'Смирнова',
  'Кузнецова',
  'Попова',
  'Васильева',
  'Петрова',
  'Соколова',
  'Михайлова',
  'Новикова',
  'Фёдорова',
];
const LATIN = [
  'jan',
  'anna',
  'piotr',
  'katarzyna',
  'michal',
  'malgorzata',
  'krzysztof',
  'agnieszka',
  'tomasz',
  'lucja',
  'ivan',
  'maria',
  'aleksei',
  'olga',
  'dmitrii',
  'elena',
  'sergei',
  'natalia',
  'andrei',
  'tatiana',
];
const CITIES = [
  'Warszawa',
  'Kraków',
  'Łódź',
  'Wrocław',
  'Poznań',
  'Gdańsk',
  'Szczecin',
  'Bydgoszcz',
  'Lublin',
  'Białystok',
  'Москва',
  'Санкт-Петербург',
  'Новосибирск',
  'Екатеринбург',
  'Казань',
  'Нижний Новгород',
  'Самара',
  'Омск',
  'Ростов-на-Дону',
  'Уфа',
];
const WORDS = ['Kubek', 'Koszulka', 'Plecak', 'Lampa', 'Książka', 'Чайник', 'Куртка', 'Рюкзак', 'Лампа', 'Кружка'];
const textArray = (values: string[]) => sql.raw(`array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]`);

/** An integer 0..2^31 from the md5 of a text, at hex offset `at` (deterministic on both back ends). */
const hashInt = (text: RawBuilder<unknown>, at: number) =>
  sql`(('x' || substr(md5(${text}), ${at}, 8))::bit(32)::int & 2147483647)`;

/** The append-heavy tables whose secondary indexes a large load rebuilds at its end. */
const BIG_TABLES = ['orders', 'order_lines', 'order_history', 'events', 'shipments', 'order_facts'];

interface Channel {
  id: string;
  currency: string;
}

export async function generateOrders(db: Db, tenantId: string, opts: GenerateOptions): Promise<GenerateResult> {
  const seed = opts.seed ?? 1;
  const batch = Math.max(1, opts.batch ?? 5000);
  const spacing = opts.spacing ?? 3;
  const customers = Math.max(100, Math.min(1_000_000, Math.ceil(opts.orders / 10)));
  const channels = await db
    .selectFrom('channels')
    .select(['id', 'code', 'currency'])
    .where('tenant_id', '=', tenantId)
    .$if(!!opts.channel, (q) => q.where('code', '=', opts.channel!))
    .$if(!opts.channel, (q) => q.where('code', '<>', 'b2b'))
    .orderBy('code')
    .execute();
  if (!channels.length) throw new Error(`no channel${opts.channel ? ` ${opts.channel}` : ''} in this tenant`);
  const all = channels.map((row) => ({ id: row.id, currency: row.currency ?? 'PLN' }));
  const polish = all.filter((row) => row.currency !== 'RUB');
  const russian = all.filter((row) => row.currency === 'RUB');
  const markets = { polish: polish.length ? polish : all, russian: russian.length ? russian : all };

  opts.onPhase?.('products');
  await generateProducts(db, tenantId, seed, opts.skus);
  opts.onPhase?.('stock');
  await generateStock(db, tenantId, seed, opts.skus);
  opts.onPhase?.('customers');
  await generateCustomers(db, tenantId, seed, customers);

  const generated = db
    .selectFrom('orders')
    .where('tenant_id', '=', tenantId)
    .where('number', '>=', 'G000000000')
    .where('number', '<=', 'G999999999');
  const existing = await generated.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  const skipped = Number(existing.count);
  // The first order's placement fixes the timeline, so a resumed run continues the same one.
  const first = await generated.select('placed_at').where('number', '=', 'G000000001').executeTakeFirst();
  const now = opts.now ?? new Date();
  const origin = first
    ? new Date(new Date(first.placed_at).getTime() - spacing * 1000)
    : new Date(Math.floor(now.getTime() / 1000) * 1000 - (opts.orders + 1) * spacing * 1000);
  const asOf = first ? new Date(origin.getTime() + (opts.orders + 1) * spacing * 1000) : now;

  const defer = opts.deferIndexes ?? opts.orders - skipped >= 100_000;
  if (defer && skipped < opts.orders) {
    opts.onPhase?.('dropping indexes');
    await dropIndexes(db);
  }
  for (let start = skipped + 1; start <= opts.orders; start += batch) {
    const end = Math.min(opts.orders, start + batch - 1);
    await db.transaction().execute(async (trx) => {
      // A lost batch is simply generated again: no need to wait for the disk at each commit.
      await sql`set local synchronous_commit = off`.execute(trx);
      await insertBatch(
        trx as unknown as Db,
        tenantId,
        markets,
        { seed, skus: opts.skus, customers, spacing, origin, asOf },
        start,
        end,
      );
    });
    opts.onProgress?.(end, opts.orders);
  }
  if (await rebuildIndexes(db, opts.onPhase)) {
    opts.onPhase?.('vacuum and analyze');
    for (const table of [...BIG_TABLES, 'products', 'customers', 'stock_levels'])
      await sql.raw(`vacuum (analyze) ${table}`).execute(db);
  }
  return { orders: Math.max(0, opts.orders - skipped), skus: opts.skus, customers, skipped };
}

/** Remembers, then drops, the big tables' non-unique secondary indexes (unique ones guard the data). */
async function dropIndexes(db: Db) {
  await sql`create table if not exists generate_deferred_indexes (name text primary key, definition text not null)`.execute(
    db,
  );
  await sql`
    insert into generate_deferred_indexes (name, definition)
    select c.relname, pg_get_indexdef(c.oid)
    from pg_index x join pg_class c on c.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    where t.relname in (${sql.join(BIG_TABLES.map((table) => sql`${table}`))}) and not x.indisunique and not x.indisprimary
      and t.relnamespace = current_schema()::regnamespace
    on conflict do nothing`.execute(db);
  const names = await sql<{ name: string }>`select name from generate_deferred_indexes order by name`.execute(db);
  for (const row of names.rows) await sql`drop index if exists ${sql.id(row.name)}`.execute(db);
}

/** Builds every index a load dropped (also those of an interrupted earlier run); true if there were any. */
async function rebuildIndexes(db: Db, onPhase?: (phase: string) => void) {
  const present = await sql<{
    found: string | null;
  }>`select to_regclass('generate_deferred_indexes')::text as found`.execute(db);
  if (!present.rows[0]?.found) return false;
  const rows = await sql<{
    name: string;
    definition: string;
  }>`select name, definition from generate_deferred_indexes order by name`.execute(db);
  for (const row of rows.rows) {
    onPhase?.(`index ${row.name}`);
    await db.transaction().execute(async (trx) => {
      await sql`set local maintenance_work_mem = '512MB'`.execute(trx);
      await sql.raw(row.definition.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS ')).execute(trx);
      await sql`delete from generate_deferred_indexes where name = ${row.name}`.execute(trx);
    });
  }
  await sql`drop table generate_deferred_indexes`.execute(db);
  return rows.rows.length > 0;
}

/** True when the generated row with this index is already there (each step writes its rows in index order). */
const loaded = async (db: Db, query: RawBuilder<{ found: number }>) => (await query.execute(db)).rows.length > 0;

async function generateProducts(db: Db, tenantId: string, seed: number, count: number) {
  const last = `GSKU-${String(count).padStart(7, '0')}`;
  if (await loaded(db, sql`select 1 as found from products where tenant_id = ${tenantId} and sku = ${last}`)) return;
  for (let start = 1; start <= count; start += 50_000) {
    const end = Math.min(count, start + 49_999);
    await sql`
      insert into products (tenant_id, id, sku, name, weight_g)
      select ${tenantId}::uuid, md5(${`${seed}:p:`} || j)::uuid, 'GSKU-' || lpad(j::text, 7, '0'),
        (${textArray(WORDS)})[1 + j % ${WORDS.length}] || ' ' || (j % 97 + 1)::text || ' — ' || lpad(j::text, 7, '0'),
        100 + j % 5000
      from generate_series(${start}::int, ${end}::int) j
      on conflict do nothing`.execute(db);
  }
}

/** Stock for every generated SKU at up to three of the tenant's warehouses (0–199 on hand). */
async function generateStock(db: Db, tenantId: string, seed: number, count: number) {
  const warehouses = await db
    .selectFrom('locations')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('kind', '=', 'warehouse')
    .orderBy('code')
    .limit(3)
    .execute();
  if (!warehouses.length) return;
  const ids = sql.raw(`array[${warehouses.map((row) => `'${row.id}'::uuid`).join(',')}]`);
  const lastProduct = sql`md5(${`${seed}:p:${count}`})::uuid`;
  if (
    await loaded(
      db,
      sql`select 1 as found from stock_levels where tenant_id = ${tenantId} and product_id = ${lastProduct} limit 1`,
    )
  )
    return;
  for (let start = 1; start <= count; start += 50_000) {
    const end = Math.min(count, start + 49_999);
    await sql`
      insert into stock_levels (tenant_id, product_id, location_id, on_hand)
      select ${tenantId}::uuid, md5(${`${seed}:p:`} || j)::uuid, w.id, ${hashInt(sql`${`${seed}:s:`} || j || ':' || w.id::text`, 1)} % 200
      from generate_series(${start}::int, ${end}::int) j cross join unnest(${ids}) w(id)
      on conflict do nothing`.execute(db);
  }
}

/** The customer fields of an index, written once here and reused by the orders (no join needed). */
function customerFields(index: RawBuilder<unknown>) {
  const first = sql`${index} % ${FIRST.length}`;
  const last = sql`(${index} / ${FIRST.length}) % ${LAST.length}`;
  return {
    // Polish first names go with Polish surnames, Russian with Russian (index < 10 or ≥ 10); a
    // woman's surname in its feminine form.
    name: sql`(${textArray(FIRST)})[1 + ${first}] || ' ' || (case when ${first} % 2 = 1 then ${textArray(LAST_FEMININE)} else ${textArray(LAST)} end)[1 + (${first} / 10) * 10 + ${last} % 10]`,
    email: sql`(${textArray(LATIN)})[1 + ${first}] || '.' || ${index}::text || '@' || (case when ${first} < 10 then 'example.pl' else 'example.ru' end)`,
    phone: sql`(case when ${first} < 10 then '+48' || (500000000 + ${index})::text else '+7' || (9000000000 + ${index})::text end)`,
    city: sql`(${textArray(CITIES)})[1 + (${first} / 10) * 10 + (${index} / 7) % 10]`,
    country: sql`(case when ${first} < 10 then 'PL' else 'RU' end)`,
  };
}

async function generateCustomers(db: Db, tenantId: string, seed: number, count: number) {
  const last = `GC${String(count - 1).padStart(8, '0')}`;
  if (await loaded(db, sql`select 1 as found from customers where tenant_id = ${tenantId} and code = ${last}`)) return;
  const fields = customerFields(sql`c`);
  for (let start = 0; start < count; start += 50_000) {
    const end = Math.min(count - 1, start + 49_999);
    await sql`
      insert into customers (tenant_id, id, code, name, email, phone, locale)
      select ${tenantId}::uuid, md5(${`${seed}:c:`} || c)::uuid, 'GC' || lpad(c::text, 8, '0'),
        ${fields.name}, ${fields.email}, ${fields.phone}, case when c % 20 < 10 then 'pl' else 'ru' end
      from generate_series(${start}::int, ${end}::int) c
      on conflict do nothing`.execute(db);
  }
}

interface BatchPlan {
  seed: number;
  skus: number;
  customers: number;
  spacing: number;
  origin: Date;
  asOf: Date;
}

/** One of a market's channels (its id or currency), chosen by a hash. */
const pick = (list: Channel[], field: 'id' | 'currency', at: RawBuilder<unknown>) =>
  sql`(${sql.raw(`array[${list.map((row) => `'${row[field]}'`).join(',')}]`)})[1 + ${at} % ${list.length}]`;

async function insertBatch(
  db: Db,
  tenantId: string,
  markets: { polish: Channel[]; russian: Channel[] },
  plan: BatchPlan,
  start: number,
  end: number,
) {
  const { seed } = plan;
  const key = sql`${`${seed}:o:`} || i`;
  const asOf = plan.asOf;
  const polishCustomer = sql`c % ${FIRST.length} < 10`;
  const channelAt = hashInt(key, 25);
  // Per order, once: customer, line count, fate (fate: 0–59 cancelled, 60 stock exception, 61–62 stuck),
  // placement and the time of each later step (null when the order never takes it).
  await sql`
    create temp table gen_src on commit drop as
    select i, c, n, placed, h, fate,
      (lpad(to_hex((extract(epoch from placed) * 1000)::bigint), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid as id,
      'G' || lpad(i::text, 9, '0') as number,
      'EXT-' || ${seed}::text || '-' || i::text as external_id,
      case when ${polishCustomer} then ${pick(markets.polish, 'id', channelAt)} else ${pick(markets.russian, 'id', channelAt)} end::uuid as channel_id,
      case when ${polishCustomer} then ${pick(markets.polish, 'currency', channelAt)} else ${pick(markets.russian, 'currency', channelAt)} end as currency,
      case when fate >= 60 then placed + (1 + ${hashInt(key, 1)} % 30) * interval '1 minute' end as paid_at,
      case when fate < 60 then placed + (10 + ${hashInt(key, 9)} % 50) * interval '1 minute' end as cancelled_at,
      case when fate = 60 then placed + (31 + ${hashInt(key, 9)} % 30) * interval '1 minute' end as exception_at,
      case when fate > 62 then placed + (7200 + ${hashInt(key, 9)} % 21600) * interval '1 second' end as shipped_at,
      case when fate > 62 then placed + (7200 + ${hashInt(key, 9)} % 21600 + 36000 + ${hashInt(key, 13)} % 36000) * interval '1 second' end as delivered_at
    from (
      select i, ${hashInt(key, 1)} % ${plan.customers} as c, 1 + ${hashInt(key, 9)} % 3 as n,
        ${hashInt(key, 17)} % 1000 as fate,
        ${plan.origin}::timestamptz + (i * ${plan.spacing}) * interval '1 second' as placed,
        md5(${key}) as h
      from generate_series(${start}::int, ${end}::int) i) raw`.execute(db);
  // The steps each order has reached by now: one history row and one event each.
  await sql`
    create temp table gen_steps on commit drop as
    select src.i, src.id, src.number, src.n, src.external_id, step.*
    from gen_src src cross join lateral (values
      (0, src.placed, 'order.accepted', null, 'awaiting_payment', null),
      (1, src.paid_at, 'process.event', 'awaiting_payment', 'fulfilling', 'payment_authorized'),
      (2, src.cancelled_at, 'process.event', 'awaiting_payment', 'cancelled', 'cancel'),
      (3, src.exception_at, 'process.event', 'fulfilling', 'stock_exception', 'shortage'),
      (4, src.shipped_at, 'process.event', 'fulfilling', 'in_transit', 'shipped'),
      (5, src.delivered_at, 'process.event', 'in_transit', 'delivered', 'delivered')
    ) step(step, at, action, from_state, to_state, event)
    where step.at is not null and step.at <= ${asOf}`.execute(db);
  await sql`
    create temp table gen_lines on commit drop as
    select l.*, (l.j % 500 + 1) * 100 - 1 as price, l.qty * ((l.j % 500 + 1) * 100 - 1) as total
    from (select src.i, src.id, k, 1 + ${hashInt(sql`${key} || ':' || k`, 1)} % ${plan.skus} as j,
        1 + ${hashInt(sql`${key} || ':' || k`, 9)} % 3 as qty
      from gen_src src, generate_series(1, src.n) k) l`.execute(db);

  const fields = customerFields(sql`src.c`);
  await sql`
    insert into orders (tenant_id, id, number, channel_id, external_id, customer_id, customer_name, customer_email,
      currency, state, subtotal, discount_total, tax_total, shipping_total, grand_total, delivery_method,
      shipping_address, line_count, search_text, placed_at, created_at, updated_at)
    select ${tenantId}::uuid, src.id, src.number, src.channel_id, src.external_id, md5(${`${seed}:c:`} || src.c)::uuid,
      ${fields.name}, ${fields.email}, src.currency::char(3), last.to_state,
      t.total, 0, t.tax, 1499, t.total + 1499, 'shipping',
      jsonb_build_object('name', ${fields.name}, 'line1', 'ul. Długa ' || (src.c % 200 + 1)::text,
        'city', ${fields.city}, 'postalCode', lpad((src.c % 99999)::text, 5, '0'), 'country', ${fields.country},
        'phone', ${fields.phone}, 'email', ${fields.email}),
      src.n, lower(src.number || ' ' || src.external_id || ' ' || ${fields.name} || ' ' || ${fields.email}),
      src.placed, src.placed, last.at
    from gen_src src
    join (select i, sum(total)::bigint as total, sum(total - round(total / 1.23)::bigint)::bigint as tax from gen_lines group by i) t on t.i = src.i
    join (select distinct on (i) i, to_state, at from gen_steps order by i, at desc, step desc) last on last.i = src.i`.execute(
    db,
  );

  await sql`
    insert into order_lines (tenant_id, order_id, id, line_no, product_id, sku, name, quantity, unit_price,
      discount, tax_rate, tax, net, total)
    select ${tenantId}::uuid, p.id, md5(${`${seed}:o:`} || p.i || ':l:' || p.k)::uuid, p.k, md5(${`${seed}:p:`} || p.j)::uuid,
      'GSKU-' || lpad(p.j::text, 7, '0'),
      (${textArray(WORDS)})[1 + p.j % ${WORDS.length}] || ' ' || (p.j % 97 + 1)::text || ' — ' || lpad(p.j::text, 7, '0'),
      p.qty, p.price, 0, '23', p.total - round(p.total / 1.23)::bigint, round(p.total / 1.23)::bigint, p.total
    from gen_lines p`.execute(db);

  await sql`
    insert into order_history (tenant_id, id, order_id, at, actor_type, action, from_state, to_state, changes, reason)
    select ${tenantId}::uuid, md5(${`${seed}:o:`} || s.i || ':h:' || s.step)::uuid, s.id, s.at,
      case when s.step = 0 then 'system' else 'integration' end, s.action, s.from_state, s.to_state,
      case when s.step = 0 then jsonb_build_object('number', s.number, 'lines', s.n) else jsonb_build_object('event', s.event) end,
      case when s.step = 0 then jsonb_build_object('externalId', s.external_id) else '{}'::jsonb end
    from gen_steps s`.execute(db);

  await sql`
    insert into events (tenant_id, id, type, subject, time, schema_version, payload, fanned_out)
    select ${tenantId}::uuid, md5(${`${seed}:o:`} || s.i || ':e:' || s.step)::uuid,
      case when s.step = 0 then 'order.accepted' else 'order.state_changed' end, s.id::text, s.at, 1,
      case when s.step = 0 then jsonb_build_object('id', s.id, 'number', s.number, 'state', s.to_state, 'lineCount', s.n)
        else jsonb_build_object('id', s.id, 'number', s.number, 'from', s.from_state, 'to', s.to_state, 'event', s.event) end,
      true
    from gen_steps s`.execute(db);

  await sql`
    insert into shipments (tenant_id, id, order_id, carrier, status, tracking_number, handed_over_at, created_at, updated_at, delivered_at)
    select ${tenantId}::uuid, md5(${`${seed}:o:`} || src.i || ':s')::uuid, src.id,
      case when ${polishCustomer} then 'inpost' else 'cdek' end,
      case when src.delivered_at <= ${asOf} then 'delivered' else 'in_transit' end,
      'TRK' || lpad(src.i::text, 10, '0') || upper(substr(src.h, 20, 4)),
      src.shipped_at, src.shipped_at, coalesce(case when src.delivered_at <= ${asOf} then src.delivered_at end, src.shipped_at),
      case when src.delivered_at <= ${asOf} then src.delivered_at end
    from gen_src src where src.shipped_at <= ${asOf}`.execute(db);
}
