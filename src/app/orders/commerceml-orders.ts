import { AppError } from '../../shared/errors.js';
import { isCurrency } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import {
  describeProblem,
  readOrdersFile,
  type CmlCounterparty,
  type CmlOrderDocument,
  type CmlOrderLine,
} from '../../integrations/erp/commerceml/index.js';

/** One order read from a file, with the file positions it came from (for the import report). */
export interface ImportCandidate {
  rows: number[];
  /** An order body as POST /orders takes it (validated by the importer). */
  body: Record<string, unknown>;
}

/** 1C writes the currency as "руб", "RUR" or the ISO number; Ordo speaks ISO 4217 letters. */
const CURRENCY_ALIASES: Record<string, string> = {
  руб: 'RUB',
  'руб.': 'RUB',
  rur: 'RUB',
  '643': 'RUB',
  zł: 'PLN',
  '985': 'PLN',
  '978': 'EUR',
  '840': 'USD',
};
const currencyOf = (value: string | null) => {
  const text = (value ?? '').trim();
  const alias = CURRENCY_ALIASES[text.toLowerCase()];
  if (alias) return alias;
  return isCurrency(text.toUpperCase()) ? text.toUpperCase() : text;
};

/** The delivery line Bitrix and 1C write as a product (Ид ORDER_DELIVERY): the order's shipping. */
const isDelivery = (line: CmlOrderLine) => line.id === 'ORDER_DELIVERY';

/** "2.00" → 2; a fractional or missing quantity stays as written and is refused by the order schema with its line. */
const quantityOf = (text: string | null) => {
  if (text === null) return text;
  const value = Number(text);
  return Number.isInteger(value) ? value : text;
};

const rateOf = (text: string | null) => (text && /^\d{1,6}(\.\d{1,6})?$/.test(text.trim()) ? text.trim() : undefined);

const COUNTRIES: Record<string, string> = {
  россия: 'RU',
  'российская федерация': 'RU',
  polska: 'PL',
  польша: 'PL',
  беларусь: 'BY',
  казахстан: 'KZ',
};
const HOME_COUNTRY: Record<string, string> = { RUB: 'RU', PLN: 'PL', BYN: 'BY', KZT: 'KZ' };

/**
 * The buyer's address from its АдресноеПоле (city required; street, house and flat as line 1, the
 * Представление when there is no street); undefined when 1C sent no city, so the order is refused
 * naming /shippingAddress rather than shipped to a guess.
 */
function shippingAddressOf(buyer: CmlCounterparty | undefined, currency: string) {
  if (!buyer) return undefined;
  const field = (...kinds: string[]) => kinds.map((k) => buyer.addressFields[k]).find(Boolean);
  const city = field('Город', 'Населенный пункт', 'Населённый пункт', 'City');
  if (!city) return undefined;
  const street = [field('Улица', 'Street'), field('Дом', 'House'), field('Корпус'), field('Квартира', 'Flat')]
    .filter(Boolean)
    .join(', ');
  const countryText = (field('Страна', 'Country') ?? '').trim();
  const country =
    COUNTRIES[countryText.toLowerCase()] ?? (/^[A-Z]{2}$/.test(countryText) ? countryText : HOME_COUNTRY[currency]);
  const line1 = street || buyer.address;
  if (!country || !line1) return undefined;
  return {
    name: buyer.fullName || buyer.name,
    line1,
    city,
    ...(field('Почтовый индекс', 'PostalCode') ? { postalCode: field('Почтовый индекс', 'PostalCode') } : {}),
    ...(field('Регион', 'Region') ? { region: field('Регион', 'Region') } : {}),
    country,
    ...(buyer.phone ? { phone: buyer.phone } : {}),
  };
}

function orderBody(doc: CmlOrderDocument, channel: string, skuOf: ReadonlyMap<string, string>) {
  const buyer = doc.counterparties.find((c) => /покупатель|buyer/i.test(c.role)) ?? doc.counterparties[0];
  const goods = doc.lines.filter((l) => !isDelivery(l));
  const delivery = doc.lines.filter(isDelivery);
  const shipping = delivery.length
    ? {
        amount: delivery[0]!.sum ?? delivery[0]!.unitPrice ?? '0',
        ...(rateOf(delivery[0]!.taxRate) ? { taxRate: rateOf(delivery[0]!.taxRate) } : {}),
      }
    : undefined;
  const notes = [doc.comment, buyer?.address ? `Адрес: ${buyer.address}` : null].filter(Boolean).join('\n');
  const currency = currencyOf(doc.currency);
  const shippingAddress = shippingAddressOf(buyer, currency);
  return {
    channel,
    externalId: doc.id || doc.number,
    displayNumber: doc.number || undefined,
    currency,
    pricesIncludeTax: doc.lines.some((l) => l.taxIncluded === true),
    customer: buyer
      ? {
          name: buyer.fullName || buyer.name || undefined,
          ...(buyer.email ? { email: buyer.email } : {}),
          ...(buyer.id ? { externalId: buyer.id } : {}),
        }
      : undefined,
    lines: goods.map((line) => ({
      ...(line.id ? { id: line.id.slice(0, 100) } : {}),
      kind: line.kind,
      sku: skuOf.get(line.id) ?? line.article ?? line.id,
      name: line.name || undefined,
      quantity: quantityOf(line.quantity),
      ...(line.unitPrice !== null ? { unitPrice: line.unitPrice } : {}),
      ...(rateOf(line.taxRate) ? { taxRate: rateOf(line.taxRate) } : {}),
    })),
    ...(shipping ? { shipping } : {}),
    delivery: { method: 'ship' },
    ...(shippingAddress ? { shippingAddress } : {}),
    ...(notes ? { notes } : {}),
    attributes: { commerceml: { id: doc.id, number: doc.number, date: doc.date, time: doc.time } },
  };
}

/**
 * Orders from a CommerceML 2 document (1C's КоммерческаяИнформация: each Документ with ХозОперация
 * «Заказ товара» and its Товары) as order bodies for the importer. They come in on the channel of
 * the tenant's 1C connection (docs/erp/1c.md), whose offer mappings turn 1C's Ид into SKUs (an
 * Артикул, else the Ид, otherwise); the delivery line (Ид ORDER_DELIVERY) is the order's shipping.
 * The document is checked by its declared schema version, structurally where Ordo has no schema
 * for it; a document that fails is refused whole with the line and element at fault.
 */
export async function readCommerceMlOrders(scope: TenantScope, xml: Buffer): Promise<ImportCandidate[]> {
  const connection = await scope
    .selectFrom('channel_connections')
    .innerJoin('channels', (j) =>
      j
        .onRef('channels.tenant_id', '=', 'channel_connections.tenant_id')
        .onRef('channels.id', '=', 'channel_connections.channel_id'),
    )
    .select(['channel_connections.id', 'channels.code'])
    .where('channel_connections.kind', '=', '1c')
    .orderBy('channel_connections.id')
    .executeTakeFirst();
  if (!connection)
    throw new AppError(
      'IMPORT_FORMAT_UNSUPPORTED',
      'this is a CommerceML 2 document (1C): its orders come in on the channel of a 1C connection, and this tenant has none (docs/erp/1c.md)',
    );
  const read = readOrdersFile(xml, 'structural');
  if (!read.ok)
    throw new AppError(
      'VALIDATION_FAILED',
      `the CommerceML document is not valid: ${read.problems.map(describeProblem).slice(0, 5).join('; ')}`,
      read.problems.slice(0, 100).map((p) => ({ path: p.path ?? '/', message: describeProblem(p) })),
    );
  const offers = await scope
    .selectFrom('channel_offers')
    .select(['offer_id', 'sku'])
    .where('connection_id', '=', connection.id)
    .execute();
  const skuOf = new Map(offers.map((o) => [o.offer_id, o.sku]));
  return read.file.documents
    .filter((doc) => /заказ товара/i.test(doc.operation))
    .map((doc) => ({ rows: [doc.line], body: orderBody(doc, connection.code, skuOf) }));
}
