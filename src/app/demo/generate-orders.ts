import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../store/db.js';

/**
 * Loads many realistic orders fast for scale tests (issue 19 item 5): every row is built by
 * set-based `insert … select … from generate_series` in PostgreSQL itself, one transaction per
 * batch, so a batch is either all there or not at all. Each value is a function of (seed, index)
 * through md5, so the same seed gives the same rows on any machine, and a second run resumes after
 * the last committed batch (it counts the generated orders, numbered G000000001…).
 *
 * Per order: 1–3 lines over the generated SKUs (totals = sum of lines + shipping), one history row
 * and one `order.accepted` event, and for shipped or delivered orders a shipment with a tracking
 * number. Customers carry Polish and Cyrillic names, cities, phones and e-mails.
 */
export interface GenerateOptions {
  orders: number;
  skus: number;
  seed?: number;
  batch?: number;
  /** Channel code to put the orders in (default: the tenant's first channel). */
  channel?: string;
  onProgress?: (done: number, total: number) => void;
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
const STATES = ['accepted', 'accepted', 'shipped', 'delivered', 'delivered', 'delivered', 'cancelled', 'delivered'];

const textArray = (values: string[]) => sql.raw(`array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]`);

/** An integer 0..2^31 from the md5 of a text, at hex offset `at` (deterministic on both back ends). */
const hashInt = (text: RawBuilder<unknown>, at: number) =>
  sql`(('x' || substr(md5(${text}), ${at}, 8))::bit(32)::int & 2147483647)`;

export async function generateOrders(db: Db, tenantId: string, opts: GenerateOptions): Promise<GenerateResult> {
  const seed = opts.seed ?? 1;
  const batch = Math.max(1, opts.batch ?? 5000);
  const customers = Math.max(100, Math.min(1_000_000, Math.ceil(opts.orders / 10)));
  const channel = await db
    .selectFrom('channels')
    .select(['id', 'currency'])
    .where('tenant_id', '=', tenantId)
    .$if(!!opts.channel, (q) => q.where('code', '=', opts.channel!))
    .orderBy('code')
    .executeTakeFirst();
  if (!channel) throw new Error(`no channel${opts.channel ? ` ${opts.channel}` : ''} in this tenant`);

  await generateProducts(db, tenantId, seed, opts.skus);
  await generateCustomers(db, tenantId, seed, customers);

  const existing = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('tenant_id', '=', tenantId)
    .where('number', '>=', 'G000000000')
    .where('number', '<=', 'G999999999')
    .executeTakeFirstOrThrow();
  const skipped = Number(existing.count);
  for (let start = skipped + 1; start <= opts.orders; start += batch) {
    const end = Math.min(opts.orders, start + batch - 1);
    await db
      .transaction()
      .execute((trx) =>
        insertBatch(
          trx as unknown as Db,
          tenantId,
          channel.id,
          channel.currency ?? 'PLN',
          seed,
          opts.skus,
          customers,
          start,
          end,
        ),
      );
    opts.onProgress?.(end, opts.orders);
  }
  return { orders: Math.max(0, opts.orders - skipped), skus: opts.skus, customers, skipped };
}

async function generateProducts(db: Db, tenantId: string, seed: number, count: number) {
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

/** The customer fields of an index, written once here and reused by the orders (no join needed). */
function customerFields(index: RawBuilder<unknown>) {
  const first = sql`${index} % ${FIRST.length}`;
  const last = sql`(${index} / ${FIRST.length}) % ${LAST.length}`;
  return {
    // Polish first names go with Polish surnames, Russian with Russian (index < 10 or ≥ 10).
    name: sql`(${textArray(FIRST)})[1 + ${first}] || ' ' || (${textArray(LAST)})[1 + (${first} / 10) * 10 + ${last} % 10]`,
    email: sql`(${textArray(LATIN)})[1 + ${first}] || '.' || ${index}::text || '@' || (case when ${first} < 10 then 'example.pl' else 'example.ru' end)`,
    phone: sql`(case when ${first} < 10 then '+48' || (500000000 + ${index})::text else '+7' || (9000000000 + ${index})::text end)`,
    city: sql`(${textArray(CITIES)})[1 + (${first} / 10) * 10 + (${index} / 7) % 10]`,
    country: sql`(case when ${first} < 10 then 'PL' else 'RU' end)`,
  };
}

async function generateCustomers(db: Db, tenantId: string, seed: number, count: number) {
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

async function insertBatch(
  db: Db,
  tenantId: string,
  channelId: string,
  currency: string,
  seed: number,
  skus: number,
  customers: number,
  start: number,
  end: number,
) {
  const key = sql`${`${seed}:o:`} || i`;
  const fields = customerFields(sql`src.c`);
  // placed_at: one order every 3 s from 2025-01-01, so ids (UUIDv7-shaped, from placed_at) follow
  // creation order like real ones.
  const source = sql`
    select i, ${hashInt(key, 1)} % ${customers} as c, 1 + ${hashInt(key, 9)} % 3 as n,
      ${hashInt(key, 17)} % ${STATES.length} as st,
      timestamptz '2025-01-01 00:00:00+00' + (i * 3) * interval '1 second' as placed,
      md5(${key}) as h
    from generate_series(${start}::int, ${end}::int) i`;
  const lines = sql`
    select src.i, k, 1 + ${hashInt(sql`${key} || ':' || k`, 1)} % ${skus} as j,
      1 + ${hashInt(sql`${key} || ':' || k`, 9)} % 3 as qty
    from (${source}) src, generate_series(1, src.n) k`;
  const priced = sql`
    select l.*, (l.j % 500 + 1) * 100 - 1 as price, l.qty * ((l.j % 500 + 1) * 100 - 1) as total
    from (${lines}) l`;
  const orderId = sql`(lpad(to_hex((extract(epoch from src.placed) * 1000)::bigint), 12, '0') || '7' || substr(src.h, 1, 3) || '8' || substr(src.h, 4, 15))::uuid`;
  const state = sql`(${textArray(STATES)})[1 + src.st]`;
  const number = sql`'G' || lpad(src.i::text, 9, '0')`;
  const external = sql`'EXT-' || ${seed}::text || '-' || src.i::text`;

  await sql`
    insert into orders (tenant_id, id, number, channel_id, external_id, customer_id, customer_name, customer_email,
      currency, state, subtotal, discount_total, tax_total, shipping_total, grand_total, delivery_method,
      shipping_address, line_count, search_text, placed_at, created_at, updated_at)
    select ${tenantId}::uuid, ${orderId}, ${number}, ${channelId}::uuid, ${external}, md5(${`${seed}:c:`} || src.c)::uuid,
      ${fields.name}, ${fields.email}, ${currency}::char(3), ${state},
      t.total, 0, t.tax, 1499, t.total + 1499, 'shipping',
      jsonb_build_object('name', ${fields.name}, 'line1', 'ul. Długa ' || (src.c % 200 + 1)::text,
        'city', ${fields.city}, 'postalCode', lpad((src.c % 99999)::text, 5, '0'), 'country', ${fields.country},
        'phone', ${fields.phone}, 'email', ${fields.email}),
      src.n, lower(${number} || ' ' || ${external} || ' ' || ${fields.name} || ' ' || ${fields.email}),
      src.placed, src.placed, src.placed
    from (${source}) src
    join (select i, sum(total)::bigint as total, sum(total - round(total / 1.23)::bigint)::bigint as tax from (${priced}) p group by i) t on t.i = src.i`.execute(
    db,
  );

  await sql`
    insert into order_lines (tenant_id, order_id, id, line_no, product_id, sku, name, quantity, unit_price,
      discount, tax_rate, tax, net, total)
    select ${tenantId}::uuid, ${orderId}, md5(${`${seed}:o:`} || p.i || ':l:' || p.k)::uuid, p.k, md5(${`${seed}:p:`} || p.j)::uuid,
      'GSKU-' || lpad(p.j::text, 7, '0'),
      (${textArray(WORDS)})[1 + p.j % ${WORDS.length}] || ' ' || (p.j % 97 + 1)::text || ' — ' || lpad(p.j::text, 7, '0'),
      p.qty, p.price, 0, '23', p.total - round(p.total / 1.23)::bigint, round(p.total / 1.23)::bigint, p.total
    from (${priced}) p join (${source}) src on src.i = p.i`.execute(db);

  await sql`
    insert into order_history (tenant_id, id, order_id, at, actor_type, action, to_state, changes, reason)
    select ${tenantId}::uuid, md5(${key} || ':h')::uuid, ${orderId}, src.placed, 'system', 'order.accepted', 'accepted',
      jsonb_build_object('number', ${number}, 'lines', src.n), jsonb_build_object('externalId', ${external})
    from (${source}) src`.execute(db);

  await sql`
    insert into events (tenant_id, id, type, subject, time, schema_version, payload, fanned_out)
    select ${tenantId}::uuid, md5(${key} || ':e')::uuid, 'order.accepted', ${orderId}::text, src.placed, 1,
      jsonb_build_object('id', ${orderId}, 'number', ${number}, 'state', 'accepted', 'lineCount', src.n), true
    from (${source}) src`.execute(db);

  await sql`
    insert into shipments (tenant_id, id, order_id, carrier, status, tracking_number, created_at, updated_at, delivered_at)
    select ${tenantId}::uuid, md5(${key} || ':s')::uuid, ${orderId}, case when src.c % 2 = 0 then 'inpost' else 'cdek' end,
      case when ${state} = 'delivered' then 'delivered' else 'in_transit' end,
      'TRK' || lpad(src.i::text, 10, '0') || upper(substr(src.h, 20, 4)),
      src.placed, src.placed, case when ${state} = 'delivered' then src.placed + interval '2 days' end
    from (${source}) src where ${state} in ('shipped', 'delivered')`.execute(db);
}
