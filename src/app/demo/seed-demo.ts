import { putSeller } from '../money/sellers.js';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { scope, transaction } from '../../store/tenant-scope.js';
import { systemActor } from '../../store/history.js';
import type { Clock } from '../../shared/clock.js';
import { createTenant } from '../identity/create-tenant.js';
import { REFERENCE_ENTITIES } from '../reference/entities.js';
import { createReference } from '../reference/crud.js';
import { createOrder } from '../orders/create-order.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { orderInput } from '../orders/schemas.js';
import { publishShippedProcesses } from '../process/publish-shipped.js';
import { syncStock } from '../inventory/sync-stock.js';
import { createPriceList } from '../pricing/price-lists.js';
import {
  DEMO_CHANNELS,
  DEMO_COMPANIES,
  DEMO_LOCATIONS,
  DEMO_PEOPLE_PL,
  DEMO_PEOPLE_RU,
  demoProducts,
} from './demo-data.js';

export const DEMO_SLUG = 'demo';
export const DEMO_ADMIN_EMAIL = 'admin@demo.ordo.local';

const entity = (table: string) => REFERENCE_ENTITIES.find((e) => e.table === table)!;

/** A small deterministic generator, so every demo database looks the same. */
function rng(seed: number) {
  let size = seed >>> 0;
  return (count: number) => {
    size = (Math.imul(size, 1664525) + 1013904223) >>> 0;
    return size % count;
  };
}

export interface SeedResult {
  tenantId: string;
  adminEmail: string;
  adminPassword: string;
  apiKey: string;
  orders: number;
}

/**
 * Seeds the demo tenant once: returns null when it exists (credentials are shown only the first
 * time; `ordo create-api-key` issues another key).
 */
export async function seedDemo(
  processes: OrderProcesses,
  db: Db,
  clock: Clock,
  opts: {
    orders?: number;
    onProgress?: (done: number, total: number) => void;
    adminPassword?: string | undefined;
  } = {},
): Promise<SeedResult | null> {
  const exists = await db.selectFrom('tenants').select('id').where('slug', '=', DEMO_SLUG).executeTakeFirst();
  if (exists) return null;
  const adminPassword = opts.adminPassword ?? randomBytes(9).toString('base64url');
  const tenant = await createTenant(db, {
    slug: DEMO_SLUG,
    name: 'Ordo Demo — Sklep & Магазин',
    admin: { email: DEMO_ADMIN_EMAIL, name: 'Administrator', password: adminPassword, locale: 'en' },
  });
  const store = scope(db, tenant.tenantId);
  const add = (table: string, input: Record<string, unknown>) =>
    createReference(store, entity(table), systemActor, clock, input);

  for (const channel of DEMO_CHANNELS) await add('channels', { ...channel });
  for (const location of DEMO_LOCATIONS) await add('locations', { ...location, address: { ...location.address } });
  const products = demoProducts();
  for (const product of products)
    await add('products', {
      sku: product.sku,
      name: product.name,
      weightG: product.weightG,
      serialTracked: product.serialTracked,
      lotTracked: product.lotTracked,
    });
  // The seller on invoices: a Polish company (its invoices are KSeF-ready) as the default, and a
  // Russian one for the RUB channels' УПД.
  await transaction(store, async (tx) => {
    await putSeller(tx, systemActor, clock.now(), 'pl', {
      name: 'Ordo Demo Sklep sp. z o.o.',
      taxId: '5260250274',
      address: { line1: 'ul. Marszałkowska 84/92', city: 'Warszawa', postalCode: '00-514', country: 'PL' },
      country: 'PL',
      bankAccount: 'PL61109010140000071219812874',
      isDefault: true,
    });
    await putSeller(tx, systemActor, clock.now(), 'ru', {
      name: 'ООО «Ордо Демо»',
      taxId: '7707083893',
      kpp: '773601001',
      address: { line1: 'ул. Тверская, д. 7', city: 'Москва', postalCode: '125009', country: 'RU', regionCode: '77' },
      country: 'RU',
      signer: { lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна', position: 'Генеральный директор' },
      invoiceSeries: 'СФ',
      creditNoteSeries: 'КСФ',
    });
  });
  const companies = [];
  for (const company of DEMO_COMPANIES)
    companies.push(await add('companies', { ...company, terms: { ...company.terms } }));
  // prices (issue 17): the shop's gross list for every Polish SKU and a HoReCa list (net, cheaper
  // from ten units) for the restaurants and hotels, so B2B portal orders may come without prices
  const plSkus = products.filter((p) => p.currency === 'PLN');
  await createPriceList(store, systemActor, clock.now(), {
    code: 'DETAL-PLN',
    name: 'Cennik detaliczny',
    currency: 'PLN',
    pricesIncludeTax: true,
    scope: 'base',
    priority: 0,
    active: true,
    reason: 'demo',
    entries: plSkus.map((p) => ({ sku: p.sku, minQuantity: 1, unitPrice: p.price, taxRate: '23' })),
  });
  const net = (gross: string, percent: bigint) => {
    const units = BigInt(gross.replace('.', ''));
    const value = (units * 100n * percent) / (123n * 100n);
    return `${value / 100n}.${String(value % 100n).padStart(2, '0')}`;
  };
  await createPriceList(store, systemActor, clock.now(), {
    code: 'HORECA',
    name: 'Cennik HoReCa (netto)',
    currency: 'PLN',
    pricesIncludeTax: false,
    scope: 'customer_group',
    scopeRef: 'horeca',
    priority: 0,
    active: true,
    reason: 'demo',
    entries: plSkus.flatMap((p) => [
      { sku: p.sku, minQuantity: 1, unitPrice: net(p.price, 90n), floorPrice: net(p.price, 70n) },
      { sku: p.sku, minQuantity: 10, unitPrice: net(p.price, 85n), floorPrice: net(p.price, 70n) },
    ]),
  });
  const customers: Array<{
    code: string;
    country: 'PL' | 'RU';
    name: string;
    city: string;
    line1: string;
    postalCode: string;
  }> = [];
  for (const [index, [first, last, city, line1, postalCode]] of DEMO_PEOPLE_PL.entries()) {
    const code = `CUST-PL-${index + 1}`;
    await add('customers', {
      code,
      name: `${first} ${last}`,
      email: `${first}.${last}@example.pl`
        .toLowerCase()
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .replace(/ł/g, 'l'),
      locale: 'pl',
      segment: 'b2c',
      addresses: [{ name: `${first} ${last}`, line1, city, postalCode, country: 'PL' }],
    });
    customers.push({ code, country: 'PL', name: `${first} ${last}`, city, line1, postalCode });
  }
  for (const [index, [first, last, city, line1, postalCode]] of DEMO_PEOPLE_RU.entries()) {
    const code = `CUST-RU-${index + 1}`;
    await add('customers', {
      code,
      name: `${first} ${last}`,
      email: `customer.ru${index + 1}@example.ru`,
      locale: 'ru',
      segment: 'b2c',
      addresses: [{ name: `${first} ${last}`, line1, city, postalCode, country: 'RU' }],
    });
    customers.push({ code, country: 'RU', name: `${first} ${last}`, city, line1, postalCode });
  }
  await add('customers', {
    code: 'CUST-B2B-1',
    name: 'Gastro-Łódź — dział zakupów',
    email: 'zakupy@gastro-lodz.example.pl',
    locale: 'pl',
    segment: 'b2b',
    companyId: companies[0]!.id,
  });

  // stock (issue 3): Polish SKUs in the Polish warehouses and stores, Russian ones in Russia;
  // a few SKUs are left short on purpose so the demo shows shortages and backorders.
  const stockRows = products.flatMap((product, index) => {
    const at = product.currency === 'PLN' ? ['WH-WAW', 'WH-POZ', 'ST-KRK'] : ['WH-MSK', 'ST-SPB'];
    return at.map((location, j) => ({
      sku: product.sku,
      location,
      onHand: index % 17 === 0 ? 0 : 5 + ((index * 7 + j * 13) % 60),
    }));
  });
  await syncStock(store, systemActor, clock.now(), { syncId: 'demo-initial-stock', rows: stockRows });
  // processes (issue 4): publish the shipped definitions and the selection rules before the orders arrive
  await publishShippedProcesses(processes.actions, store, systemActor, clock.now());

  const pick = rng(20261123);
  const total = opts.orders ?? 60;
  const plProducts = products.filter((p) => p.currency === 'PLN');
  const ruProducts = products.filter((p) => p.currency === 'RUB');
  for (let index = 0; index < total; index++) {
    const channel = DEMO_CHANNELS[pick(DEMO_CHANNELS.length)]!;
    const ru = channel.currency === 'RUB';
    const pool = ru ? ruProducts : plProducts;
    const people = customers.filter((c) => c.country === (ru ? 'RU' : 'PL'));
    const item = people[pick(people.length)]!;
    const lines = Array.from({ length: 1 + pick(4) }, () => {
      const demoProduct = pool[pick(pool.length)]!;
      return { sku: demoProduct.sku, quantity: 1 + pick(3), unitPrice: demoProduct.price, taxRate: ru ? '20' : '23' };
    });
    const uniqueLines = [...new Map(lines.map((l) => [l.sku, l])).values()];
    const pickup = channel.code === 'store-krk' || (!ru && pick(5) === 0);
    const input = orderInput.parse({
      channel: channel.code,
      externalId: channel.kind === 'marketplace' ? `${channel.code.toUpperCase()}-${100000 + index * 7919}` : undefined,
      customer: { code: item.code },
      currency: channel.currency,
      pricesIncludeTax: channel.kind !== 'b2b_portal',
      placedAt: new Date(clock.now().getTime() - (total - index) * 3_600_000 * 3).toISOString(),
      lines: uniqueLines,
      shipping: pickup ? undefined : { amount: ru ? '299.00' : '14.99', taxRate: ru ? '20' : '23' },
      shippingAddress: pickup
        ? undefined
        : { name: item.name, line1: item.line1, city: item.city, postalCode: item.postalCode, country: item.country },
      delivery: pickup
        ? { method: 'pickup', pickupLocation: ru ? 'ST-SPB' : 'ST-KRK' }
        : { method: 'ship', carrier: ru ? 'cdek' : 'inpost' },
      paymentTerms: { kind: pick(4) === 0 ? 'cash_on_delivery' : 'prepaid' },
    });
    await createOrder(processes, store, { type: 'system', id: null, name: 'demo seed' }, clock, input);
    opts.onProgress?.(index + 1, total);
  }
  return {
    tenantId: tenant.tenantId,
    adminEmail: DEMO_ADMIN_EMAIL,
    adminPassword,
    apiKey: tenant.apiKey,
    orders: total,
  };
}
