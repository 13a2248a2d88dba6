import type { EdiOrder } from '../../integrations/edi/documents.js';
import type { StoredEdiProblem } from '../../store/schema-edi.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { orderInput, type OrderInput } from '../orders/schemas.js';
import type { Partner } from './partners.js';
import '../../store/schema-channels.js';

/** Where a problem of an order points: an EDIFACT segment position (and element) or a UBL path. */
export type Locate = (
  what: { party?: string; line?: number; field?: 'price' | 'quantity' | 'item' | 'currency' },
  message: string,
) => StoredEdiProblem;

/**
 * SKUs for an order's lines: the partner's article table (its own article number, or a GTIN it
 * mapped), then a product whose attributes carry the GTIN (`gtin` or `ean`), then the supplier
 * article number as an Ordo SKU.
 */
export async function resolveSkus(tx: TenantScope, partnerId: string, order: EdiOrder) {
  const keys = [
    ...new Set(order.lines.flatMap((l) => [l.buyerArticle, l.gtin].filter((v): v is string => v !== undefined))),
  ];
  const mapped = new Map(
    keys.length
      ? (
          await tx
            .selectFrom('channel_offers')
            .select(['offer_id', 'sku'])
            .where('connection_id', '=', partnerId)
            .where('offer_id', 'in', keys)
            .execute()
        ).map((r) => [r.offer_id, r.sku])
      : [],
  );
  const gtins = [...new Set(order.lines.flatMap((l) => (l.gtin ? [l.gtin] : [])))];
  const byGtin = new Map<string, string>();
  if (gtins.length) {
    const rows = await tx
      .selectFrom('products')
      .select(['sku'])
      .select((eb) => [
        eb.ref('attributes', '->>').key('gtin').as('gtin'),
        eb.ref('attributes', '->>').key('ean').as('ean'),
      ])
      .where((eb) =>
        eb.or([
          eb(eb.ref('attributes', '->>').key('gtin'), 'in', gtins),
          eb(eb.ref('attributes', '->>').key('ean'), 'in', gtins),
        ]),
      )
      .execute();
    for (const row of rows) {
      if (row.gtin) byGtin.set(String(row.gtin), row.sku);
      if (row.ean) byGtin.set(String(row.ean), row.sku);
    }
  }
  const articles = [...new Set(order.lines.flatMap((l) => (l.supplierArticle ? [l.supplierArticle] : [])))];
  const skus = new Set(
    articles.length
      ? (await tx.selectFrom('products').select('sku').where('sku', 'in', articles).execute()).map((r) => r.sku)
      : [],
  );
  return (line: EdiOrder['lines'][number]) =>
    (line.buyerArticle ? mapped.get(line.buyerArticle) : undefined) ??
    (line.gtin ? (mapped.get(line.gtin) ?? byGtin.get(line.gtin)) : undefined) ??
    (line.supplierArticle && skus.has(line.supplierArticle) ? line.supplierArticle : undefined);
}

/**
 * An EDI order as Ordo's order input: the partner's GLNs decide the customer and the delivery
 * address, our GLN must be the supplier's, every line needs a SKU and a whole quantity; a line
 * without a price is priced at intake from the applicable price list (docs/pricing.md).
 */
export function ediOrderInput(
  partner: Partner,
  order: EdiOrder,
  sku: (line: EdiOrder['lines'][number]) => string | undefined,
  locate: Locate,
  attributes: Record<string, unknown>,
): { ok: true; value: OrderInput } | { ok: false; problems: StoredEdiProblem[] } {
  const problems: StoredEdiProblem[] = [];
  const settings = partner.settings;
  const supplier = order.parties.find((p) => p.role === 'SU');
  if (supplier && supplier.id !== settings.ourGln && !(settings.ourPartyIds ?? []).includes(supplier.id))
    problems.push(locate({ party: 'SU' }, `the order is for supplier ${supplier.id}, not for us (${settings.ourGln})`));
  const buyerParty = order.parties.find((p) => p.role === 'BY');
  const buyer = buyerParty ? settings.buyers.find((b) => b.gln === buyerParty.id) : undefined;
  if (!buyerParty) problems.push(locate({ party: 'BY' }, 'the order names no buyer (NAD+BY / BuyerCustomerParty)'));
  else if (!buyer)
    problems.push(locate({ party: 'BY' }, `buyer GLN ${buyerParty.id} is not set up for partner ${settings.name}`));
  const deliveryParty = order.parties.find((p) => p.role === 'DP') ?? order.parties.find((p) => p.role === 'ST');
  const point = deliveryParty ? settings.deliveryPoints.find((d) => d.gln === deliveryParty.id) : undefined;
  const from = deliveryParty ?? buyerParty;
  let shippingAddress: OrderInput['shippingAddress'];
  if (point?.address) shippingAddress = point.address;
  else if (!deliveryParty && buyer?.address) shippingAddress = buyer.address;
  else if (from?.street && from.city && from.country)
    shippingAddress = {
      name: from.name ?? from.id,
      line1: from.street,
      city: from.city,
      country: from.country,
      ...(from.postalCode ? { postalCode: from.postalCode } : {}),
    };
  // (an unknown buyer is the problem already: its address is not looked for)
  else if (deliveryParty || buyer)
    problems.push(
      locate(
        { party: deliveryParty ? deliveryParty.role : 'BY' },
        deliveryParty
          ? `delivery point GLN ${deliveryParty.id} is not set up for partner ${settings.name} and the order gives no address for it`
          : 'the order names no delivery point and the buyer has no address in it',
      ),
    );
  const currency = order.currency ?? settings.currency;
  if (!currency)
    problems.push(locate({ field: 'currency' }, 'the order names no currency (CUX) and the partner has no default'));
  const lines = order.lines.map((line, index) => {
    const resolved = sku(line);
    if (!resolved)
      problems.push(
        locate(
          { line: index, field: 'item' },
          `line ${line.lineNo}: no Ordo SKU for ${[
            line.gtin && `GTIN ${line.gtin}`,
            line.buyerArticle && `buyer article ${line.buyerArticle}`,
            line.supplierArticle && `supplier article ${line.supplierArticle}`,
          ]
            .filter(Boolean)
            .join(', ')}`,
        ),
      );
    return {
      id: line.lineNo,
      sku: resolved ?? '',
      ...(line.description ? { name: line.description.slice(0, 300) } : {}),
      quantity: line.quantity,
      // a line without PRI / Price is priced by intake from the partner channel's price list
      ...(line.unitPrice !== undefined ? { unitPrice: line.unitPrice } : {}),
      ...(line.taxRate ? { taxRate: line.taxRate } : {}),
      attributes: {
        edi: {
          ...(line.gtin ? { gtin: line.gtin } : {}),
          ...(line.buyerArticle ? { buyerArticle: line.buyerArticle } : {}),
          ...(line.supplierArticle ? { supplierArticle: line.supplierArticle } : {}),
          ...(line.deliveryDate ? { deliveryDate: line.deliveryDate } : {}),
          ...(line.unit ? { unit: line.unit } : {}),
        },
      },
    };
  });
  if (problems.length) return { ok: false, problems };
  const candidate = {
    channel: partner.channel,
    externalId: order.orderNumber,
    customer: { code: buyer!.customer },
    currency,
    pricesIncludeTax: false,
    ...(order.documentDate ? { placedAt: `${order.documentDate.slice(0, 10)}T00:00:00Z` } : {}),
    lines,
    shippingAddress,
    delivery: { method: 'ship' },
    paymentTerms: { kind: 'deferred' },
    ...(order.notes.length ? { notes: order.notes.join('\n').slice(0, 4000) } : {}),
    attributes: {
      edi: {
        ...attributes,
        buyerGln: buyerParty!.id,
        ...(deliveryParty ? { deliveryGln: deliveryParty.id } : {}),
        ...(order.deliveryDate ? { deliveryDate: order.deliveryDate } : {}),
        ...(order.documentDate ? { orderDate: order.documentDate } : {}),
      },
    },
  };
  const parsed = orderInput.safeParse(candidate);
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const [first, index] = issue.path;
        return first === 'lines' && typeof index === 'number'
          ? locate(
              { line: index },
              `line ${order.lines[index]?.lineNo}: ${issue.path.slice(2).join('.')} ${issue.message}`,
            )
          : locate({}, `${issue.path.join('.')}: ${issue.message}`);
      }),
    };
  return { ok: true, value: parsed.data };
}
