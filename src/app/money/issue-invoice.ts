import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { InvoiceDocument, InvoiceDocumentLine } from '../../domain/money/invoice-document.js';
import { invoiceLine, partOfLine, vatSummary } from '../../domain/money/invoice-lines.js';
import { loadMoneyOrder, loadPayments, summaryOf } from './payment-rows.js';
import type { MoneyContext } from './record-payment.js';
import { invoicedUnits, type InvoiceRow, type StoredInvoice } from './invoice-rows.js';
import { buyerParty, localDate, nextNumber, plusDays, resolveSeller, sellerParty, UNIT } from './invoice-parties.js';
import { storeInvoice } from './store-invoice.js';

const GONE_STATES = ['cancelled', 'rejected'];

export interface IssueInvoiceInput {
  kind: 'invoice' | 'proforma';
  /** Invoice only what left with this shipment (partial invoicing). */
  shipmentId?: string | undefined;
  dueDays?: number | undefined;
  seller?: string | undefined;
}

/**
 * Issues an invoice (or a proforma for prepayment) for an order, or for what one shipment carried:
 * lines with the tax they were priced with, a VAT summary per rate, its gap-free number, due date
 * from the terms. Issuing again for what is invoiced already returns that invoice (a process
 * retry must not number a second one). Emits `invoice.issued` with links for the ERP.
 */
export async function issueInvoice(
  ctx: MoneyContext,
  orderId: string,
  input: IssueInvoiceInput,
): Promise<InvoiceRow & { existing: boolean }> {
  const { tx, now } = ctx;
  const order = await loadMoneyOrder(tx, orderId, true);
  if (GONE_STATES.includes(order.state))
    throw new AppError('INVOICE_NOT_ALLOWED', `order ${order.number} is ${order.state}: it is not invoiced`);
  const where = await tx
    .selectFrom('orders')
    .select(sql<string | null>`coalesce(billing_address->>'country', shipping_address->>'country')`.as('country'))
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  const seller = await resolveSeller(
    tx,
    input.seller ?? (order.attributes.seller as string | undefined),
    where.country ?? undefined,
  );
  const existing = await tx
    .selectFrom('invoices')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('kind', '=', input.kind)
    .where((eb) => (input.shipmentId ? eb('shipment_id', '=', input.shipmentId) : eb('shipment_id', 'is', null)))
    .executeTakeFirst();
  if (existing) return { ...existing, existing: true };

  const lines = await tx
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('line_no')
    .execute();
  let wanted = new Map(lines.map((l) => [l.id, l.quantity]));
  if (input.shipmentId) {
    const shipped = await tx
      .selectFrom('fulfilment_lines')
      .innerJoin('fulfilment_orders', (j) =>
        j
          .onRef('fulfilment_orders.tenant_id', '=', 'fulfilment_lines.tenant_id')
          .onRef('fulfilment_orders.id', '=', 'fulfilment_lines.fulfilment_id'),
      )
      .select(['fulfilment_lines.order_line_id', 'fulfilment_lines.quantity', 'fulfilment_lines.picked'])
      .where('fulfilment_orders.shipment_id', '=', input.shipmentId)
      .where('fulfilment_orders.order_id', '=', orderId)
      .execute();
    if (shipped.length === 0)
      throw new AppError('NOT_FOUND', `shipment ${input.shipmentId} carries nothing of order ${order.number}`, [
        { path: '/shipmentId', message: 'not a shipment of this order' },
      ]);
    wanted = new Map();
    for (const shippedLine of shipped)
      wanted.set(
        shippedLine.order_line_id,
        (wanted.get(shippedLine.order_line_id) ?? 0) + (shippedLine.picked ?? shippedLine.quantity),
      );
  }
  if (input.kind === 'invoice') {
    const done = await invoicedUnits(tx, orderId);
    for (const [id, quantity] of wanted) wanted.set(id, Math.max(0, quantity - (done.get(id) ?? 0)));
  }
  if (![...wanted.values()].some((q) => q > 0))
    throw new AppError('INVOICE_NOT_ALLOWED', `everything of order ${order.number} is invoiced already`);

  const unit = UNIT[seller.language] ?? 'pcs';
  const docLines: InvoiceDocumentLine[] = [];
  const covered: StoredInvoice['covers'] = [];
  for (const line of lines) {
    const quantity = wanted.get(line.id) ?? 0;
    if (quantity <= 0) continue;
    const full = invoiceLine(
      0,
      {
        sku: line.sku,
        name: line.name,
        quantity: line.quantity,
        total: BigInt(line.total),
        tax: BigInt(line.tax),
        taxRate: line.tax_rate,
      },
      unit,
    );
    const no = docLines.length + 1;
    docLines.push(partOfLine(no, full, quantity));
    covered.push({ lineId: line.id, quantity: quantity, no });
  }
  // Shipping goes on the order's first invoice (a shipment's or the whole order's) and on a
  // proforma; an invoice of the rest after a shipment's does not charge it again.
  const shippingOnInvoice =
    input.kind === 'proforma' ||
    !(await tx
      .selectFrom('invoices')
      .select('id')
      .where('order_id', '=', orderId)
      .where('kind', '=', 'invoice')
      .executeTakeFirst());
  const orderRow = await tx
    .selectFrom('orders')
    .select(['shipping_total', 'tax_total', 'attributes', 'billing_address', 'shipping_address', 'shipping_lines'])
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  const shipping = BigInt(orderRow.shipping_total);
  const deliveryName = { pl: 'Dostawa', ru: 'Доставка', en: 'Delivery' }[seller.language as 'pl'] ?? 'Delivery';
  // Shipping lines at different VAT rates (0015) go on the invoice one by one, as priced at intake,
  // while they still make up the order's shipping (an order change of the fee makes it one line again).
  const shippingLines = (orderRow.shipping_lines ?? []) as Array<{
    title?: string | null;
    net: string;
    tax: string;
    total: string;
    taxRate: string | null;
  }>;
  const separateShipping =
    new Set(shippingLines.map((l) => l.taxRate)).size > 1 &&
    shippingLines.reduce((sum, l) => sum + BigInt(l.net), 0n) === shipping;
  if (shipping > 0n && shippingOnInvoice && separateShipping) {
    for (const line of shippingLines.filter((l) => BigInt(l.net) > 0n))
      docLines.push({
        ...invoiceLine(
          docLines.length + 1,
          {
            sku: '',
            name: line.title ? `${deliveryName}: ${line.title}` : deliveryName,
            quantity: 1,
            total: BigInt(line.total),
            tax: BigInt(line.tax),
            taxRate: line.taxRate,
          },
          unit,
        ),
      });
  } else if (shipping > 0n && shippingOnInvoice) {
    const linesTax = lines.reduce((a, l) => a + BigInt(l.tax), 0n);
    const shipTax = BigInt(orderRow.tax_total) - linesTax;
    const attrs = (orderRow.attributes ?? {}) as Record<string, unknown>;
    const included = attrs.pricesIncludeTax === true;
    const rate =
      typeof attrs.shippingTaxRate === 'string'
        ? attrs.shippingTaxRate
        : shipTax > 0n
          ? (lines[0]?.tax_rate ?? null)
          : null;
    docLines.push({
      ...invoiceLine(
        docLines.length + 1,
        {
          sku: '',
          name: deliveryName,
          quantity: 1,
          total: included ? shipping : shipping + shipTax,
          tax: shipTax,
          taxRate: rate,
        },
        unit,
      ),
    });
  }
  const { rows, totals } = vatSummary(docLines);
  const issueDate = localDate(now, seller.time_zone);
  const year = Number(issueDate.slice(0, 4));
  const series = input.kind === 'proforma' ? seller.proforma_series : seller.invoice_series;
  const seq = await nextNumber(tx, seller.code, series, year);
  const number = `${series}/${year}/${String(seq).padStart(6, '0')}`;
  const termsDays = Number(order.paymentTerms.dueDays ?? input.dueDays ?? 0);
  const summary = summaryOf(order, await loadPayments(tx, orderId));
  const dueDate = summary.outstanding > 0n ? plusDays(issueDate, input.dueDays ?? termsDays) : null;
  const document: InvoiceDocument = {
    kind: input.kind,
    number,
    issueDate,
    ...(seller.address && (seller.address as Record<string, unknown>).city
      ? { placeOfIssue: String((seller.address as Record<string, unknown>).city) }
      : {}),
    currency: order.currency,
    language: (['pl', 'ru', 'en'].includes(seller.language) ? seller.language : 'en') as InvoiceDocument['language'],
    seller: sellerParty(seller),
    buyer: await buyerParty(tx, orderId, seller.country),
    lines: docLines,
    vatSummary: rows,
    totals,
    pricesIncludeTax: ((orderRow.attributes ?? {}) as Record<string, unknown>).pricesIncludeTax === true,
    payment: {
      paid: summary.paid < totals.gross ? summary.paid : totals.gross,
      ...(dueDate ? { dueDate } : {}),
      method: String(order.paymentTerms.kind ?? 'prepaid'),
      ...(seller.bank_account ? { bankAccount: seller.bank_account } : {}),
    },
    orderNumber: order.number,
    ...(input.shipmentId ? { shipmentId: input.shipmentId } : {}),
  };
  return storeInvoice(ctx, {
    orderId,
    shipmentId: input.shipmentId ?? null,
    kind: input.kind,
    seller,
    series,
    year,
    seq,
    document,
    covers: covered,
    takenBack: undefined,
    dueDate,
    correctsId: null,
    reason: null,
  });
}
