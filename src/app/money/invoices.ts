import { sql, type Selectable } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import { AppError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import { newId } from '../../shared/ids.js';
import type { InvoiceDocument, InvoiceDocumentLine, InvoiceParty } from '../../domain/money/invoice-document.js';
import { creditByAmount, invoiceLine, partOfLine, takeBackLine, vatSummary } from '../../domain/money/invoice-lines.js';
import type { InvoicesTable, SellersTable } from '../../store/schema-money.js';
import { writeHistory } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { requestNotification } from '../notifications/request-notification.js';
import { scheduleTimer } from '../events/timers.js';
import { loadMoneyOrder, loadPayments, summaryOf } from './payment-rows.js';
import type { MoneyContext } from './record-payment.js';

export type InvoiceRow = Selectable<InvoicesTable>;
export type SellerRow = Selectable<SellersTable>;

/**
 * What a stored invoice keeps beside the document: which order lines (and how many units) its
 * lines cover (`no` = the document line; negative quantities on a credit note).
 */
export interface StoredInvoice {
  document: InvoiceDocument;
  covers: Array<{ lineId: string; quantity: number; no: number }>;
  /**
   * A credit note: the units of the invoice's lines (by `no`) it took back; none for one by
   * amount. Shipping has no order line to cover, so `covers` cannot say it was taken back.
   */
  takenBack?: Array<{ no: number; quantity: number }>;
}

/** The job that sends a queued invoice to KSeF (ksef-submission.ts), keyed `ksef:<invoiceId>`. */
export const KSEF_SUBMISSION_JOB = 'invoice.ksef';

const UNIT: Record<string, string> = { pl: 'szt.', ru: 'шт', en: 'pcs' };
const GONE_STATES = ['cancelled', 'rejected'];

/** JSON of a document: bigint amounts as decimal strings of minor units (revived by `reviveDocument`). */
const toJson = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
export function reviveDocument(stored: unknown): StoredInvoice {
  return JSON.parse(JSON.stringify(stored), (_k, v) =>
    typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  ) as StoredInvoice;
}

/** The seller's date now, in its zone: invoices carry dates, and the year numbers them. */
function localDate(now: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(zone).toPlainDate().toString();
}
const plusDays = (date: string, days: number) => Temporal.PlainDate.from(date).add({ days }).toString();

/**
 * The seller who issues: the one named (the call's or the order's `attributes.seller`), else one of
 * the buyer's country (a RUB order shipped to Russia is invoiced by the Russian entity), else the
 * default seller.
 */
export async function resolveSeller(scope: TenantScope, code?: string, country?: string): Promise<SellerRow> {
  let seller: SellerRow | undefined;
  if (code) seller = await scope.selectFrom('sellers').selectAll().where('code', '=', code).executeTakeFirst();
  else {
    if (country)
      seller = await scope
        .selectFrom('sellers')
        .selectAll()
        .where('country', '=', country)
        .orderBy('is_default', 'desc')
        .orderBy('code')
        .executeTakeFirst();
    seller ??= await scope.selectFrom('sellers').selectAll().where('is_default', '=', true).executeTakeFirst();
  }
  if (!seller)
    throw new AppError(
      'SELLER_NOT_CONFIGURED',
      code
        ? `seller ${code} is not set up`
        : 'no default seller is set up (PUT /api/v1/sellers/{code} with isDefault: true)',
    );
  return seller;
}

/**
 * The next number of a seller's series in a year, allocated in the issuing transaction: the
 * counter row is locked until it commits, and a rollback takes the number back, so numbers are
 * gap-free and never shared, whatever the concurrency.
 */
async function nextNumber(scope: TenantScope, seller: string, series: string, year: number): Promise<number> {
  const { rows } = await sql<{ last_no: number }>`
    insert into invoice_counters (tenant_id, seller, series, year, last_no)
    values (${scope.tenantId}, ${seller}, ${series}, ${year}, 1)
    on conflict (tenant_id, seller, series, year) do update set last_no = invoice_counters.last_no + 1
    returning last_no`.execute(scope.conn);
  return rows[0]!.last_no;
}

// An order's address has a free-text `region`; given as a two-digit code ("78") it is the
// region code a Russian address needs on an УПД (orders have no other place to give it).
const regionCodeOf = (a: Record<string, unknown> | null | undefined) =>
  a?.regionCode
    ? String(a.regionCode)
    : typeof a?.region === 'string' && /^\d{2}$/.test(a.region.trim())
      ? a.region.trim()
      : undefined;
const addressOf = (address: Record<string, unknown> | null | undefined, fallbackCountry: string) => {
  const regionCode = regionCodeOf(address);
  return {
    line1: String(address?.line1 ?? ''),
    ...(address?.line2 ? { line2: String(address.line2) } : {}),
    city: String(address?.city ?? ''),
    postalCode: String(address?.postalCode ?? ''),
    countryCode: String(address?.country ?? address?.countryCode ?? fallbackCountry),
    ...(regionCode ? { regionCode } : {}),
  };
};

function sellerParty(seller: SellerRow): InvoiceParty {
  return {
    name: seller.name,
    ...(seller.tax_id ? { taxId: seller.tax_id } : {}),
    ...(seller.kpp ? { kpp: seller.kpp } : {}),
    address: addressOf(seller.address as Record<string, unknown>, seller.country),
  };
}

async function buyerParty(scope: TenantScope, orderId: string, country: string): Promise<InvoiceParty> {
  const orderRow = await scope
    .selectFrom('orders')
    .leftJoin('companies', (j) =>
      j.onRef('companies.tenant_id', '=', 'orders.tenant_id').onRef('companies.id', '=', 'orders.company_id'),
    )
    .select([
      'orders.customer_name',
      'orders.customer_email',
      'orders.billing_address',
      'orders.shipping_address',
      'companies.name as company_name',
      'companies.tax_id as company_tax_id',
      'companies.addresses as company_addresses',
    ])
    .where('orders.id', '=', orderId)
    .executeTakeFirstOrThrow();
  const billing = (orderRow.billing_address ?? orderRow.shipping_address) as Record<string, unknown> | null;
  if (orderRow.company_name) {
    const first = ((orderRow.company_addresses as unknown[] | null) ?? [])[0] as Record<string, unknown> | undefined;
    return {
      name: orderRow.company_name,
      ...(orderRow.company_tax_id ? { taxId: orderRow.company_tax_id } : {}),
      address: addressOf(billing ?? first, country),
      ...(orderRow.customer_email ? { email: orderRow.customer_email } : {}),
    };
  }
  return {
    name: String(billing?.company ?? billing?.name ?? orderRow.customer_name ?? ''),
    person: !billing?.company,
    address: addressOf(billing, country),
    ...(orderRow.customer_email ? { email: orderRow.customer_email } : {}),
  };
}

/** Units of each order line already on invoices (credit notes take theirs back; proformas count for nothing). */
async function invoicedUnits(scope: TenantScope, orderId: string): Promise<Map<string, number>> {
  const rows = await scope
    .selectFrom('invoices')
    .select(['kind', 'document'])
    .where('order_id', '=', orderId)
    .where('kind', '!=', 'proforma')
    .execute();
  const units = new Map<string, number>();
  for (const invoiceRow of rows)
    for (const cover of reviveDocument(invoiceRow.document).covers ?? [])
      units.set(cover.lineId, (units.get(cover.lineId) ?? 0) + cover.quantity);
  return units;
}

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

async function storeInvoice(
  ctx: MoneyContext,
  invoice: {
    orderId: string;
    shipmentId: string | null;
    kind: InvoiceRow['kind'];
    seller: SellerRow;
    series: string;
    year: number;
    seq: number;
    document: InvoiceDocument;
    covers: StoredInvoice['covers'];
    takenBack: StoredInvoice['takenBack'];
    dueDate: string | null;
    correctsId: string | null;
    reason: string | null;
    corrects?: { id: string; number: string };
  },
): Promise<InvoiceRow & { existing: boolean }> {
  const { tx, now } = ctx;
  const id = newId();
  const row = {
    id,
    order_id: invoice.orderId,
    shipment_id: invoice.shipmentId,
    kind: invoice.kind,
    seller: invoice.seller.code,
    series: invoice.series,
    year: invoice.year,
    seq: invoice.seq,
    number: invoice.document.number,
    currency: invoice.document.currency,
    net: invoice.document.totals.net,
    vat: invoice.document.totals.vat,
    gross: invoice.document.totals.gross,
    issue_date: invoice.document.issueDate,
    due_date: invoice.dueDate,
    corrects_id: invoice.correctsId,
    reason: invoice.reason,
    document: toJson({
      document: invoice.document,
      covers: invoice.covers,
      ...(invoice.takenBack ? { takenBack: invoice.takenBack } : {}),
    } satisfies StoredInvoice),
    ksef_status: invoice.seller.ksef && invoice.kind !== 'proforma' ? 'queued' : null,
    ksef_number: null,
    ksef_reference: null,
    upo: null,
    ksef_error: null,
    emailed_at: null,
    created_by: JSON.stringify(ctx.actor),
    created_at: now,
  };
  const stored = await tx.insertInto('invoices', row).returningAll().executeTakeFirstOrThrow();
  if (row.ksef_status === 'queued')
    await scheduleTimer(tx, { kind: KSEF_SUBMISSION_JOB, runAt: now, key: `ksef:${id}`, payload: { invoiceId: id } });
  const formatAmount = (x: bigint) => formatMoney(x, invoice.document.currency);
  const links = {
    self: `/api/v1/invoices/${id}`,
    pdf: `/api/v1/invoices/${id}/pdf`,
    ...(invoice.seller.country === 'PL' ? { ksef: `/api/v1/invoices/${id}/ksef.xml` } : {}),
    ...(invoice.seller.country === 'RU' ? { upd: `/api/v1/invoices/${id}/upd.xml` } : {}),
  };
  await writeHistory(tx, ctx.actor, now, [
    {
      orderId: invoice.orderId,
      action: invoice.kind === 'credit_note' ? 'credit_note.issued' : 'invoice.issued',
      changes: {
        invoiceId: id,
        kind: invoice.kind,
        number: invoice.document.number,
        gross: formatAmount(invoice.document.totals.gross),
        ...(invoice.corrects ? { corrects: invoice.corrects.number } : {}),
      },
      reason: invoice.reason ? { note: invoice.reason } : {},
    },
  ]);
  if (invoice.kind === 'credit_note' && invoice.corrects)
    await emitEvent(tx, {
      type: 'credit_note.issued',
      subject: invoice.orderId,
      time: now,
      payload: {
        orderId: invoice.orderId,
        invoiceId: id,
        number: invoice.document.number,
        corrects: { invoiceId: invoice.corrects.id, number: invoice.corrects.number },
        currency: invoice.document.currency,
        net: formatAmount(invoice.document.totals.net),
        vat: formatAmount(invoice.document.totals.vat),
        gross: formatAmount(invoice.document.totals.gross),
        reason: invoice.reason ?? '',
        links,
      },
    });
  else
    await emitEvent(tx, {
      type: 'invoice.issued',
      subject: invoice.orderId,
      time: now,
      payload: {
        orderId: invoice.orderId,
        invoiceId: id,
        kind: invoice.kind,
        number: invoice.document.number,
        currency: invoice.document.currency,
        net: formatAmount(invoice.document.totals.net),
        vat: formatAmount(invoice.document.totals.vat),
        gross: formatAmount(invoice.document.totals.gross),
        issueDate: invoice.document.issueDate,
        dueDate: invoice.dueDate,
        links,
      },
    });
  // The customer gets the document by e-mail (a proforma too); the PDF is rendered when it is sent.
  if (invoice.document.buyer.email) {
    const mailed = await requestNotification(tx, {
      orderId: invoice.orderId,
      now,
      template: invoice.kind === 'credit_note' ? 'credit_note_issued' : 'invoice_issued',
      variables: {
        invoiceNumber: invoice.document.number,
        invoiceTotal: formatAmount(invoice.document.totals.gross),
      },
      attachments: [{ kind: 'invoice_pdf', invoiceId: id }],
    });
    await writeHistory(tx, ctx.actor, now, [
      {
        orderId: invoice.orderId,
        action: 'invoice.emailed',
        changes: { invoiceId: id, number: invoice.document.number, ...mailed.data },
        reason: { note: mailed.note },
      },
    ]);
  }
  return { ...stored, existing: false };
}

export interface CreditNoteInput {
  reason: string;
  /** Units of invoice lines taken back (by the line's 1-based `no` on the invoice)… */
  lines?: Array<{ no: number; quantity: number }> | undefined;
  /** …or a gross amount (a price change, goodwill), spread over the invoice's rates. */
  amount?: bigint | undefined;
}

/**
 * A credit note (korekta) against an invoice: what is taken back, never more than what is left
 * of it after earlier credit notes; numbered in the seller's credit-note series.
 */
export async function issueCreditNote(ctx: MoneyContext, invoiceId: string, input: CreditNoteInput) {
  const { tx, now } = ctx;
  const invoice = await tx
    .selectFrom('invoices')
    .selectAll()
    .where('id', '=', invoiceId)
    .forUpdate()
    .executeTakeFirst();
  if (!invoice) throw new AppError('NOT_FOUND', `invoice ${invoiceId} not found`);
  if (invoice.kind !== 'invoice')
    throw new AppError('INVOICE_NOT_ALLOWED', `${invoice.number} is a ${invoice.kind}: only an invoice is corrected`);
  const original = reviveDocument(invoice.document);
  const earlier = await tx.selectFrom('invoices').selectAll().where('corrects_id', '=', invoiceId).execute();
  const creditedGross = earlier.reduce((a, r) => a - BigInt(r.gross), 0n);
  const leftGross = BigInt(invoice.gross) - creditedGross;
  // Units already taken back per invoice line, and what is left of each rate (an amount is
  // spread over what is left, never onto a rate credited in full already).
  const takenUnits = new Map<number, number>();
  const leftByRate = new Map(original.document.vatSummary.map((r) => [r.rate, { ...r }]));
  for (const earlierNote of earlier) {
    const stored = reviveDocument(earlierNote.document);
    // Notes stored before `takenBack`: lines of one by amount are sku-less single units.
    const taken =
      stored.takenBack ??
      stored.document.lines.filter((l) => l.sku || l.quantity !== -1).map((l) => ({ no: l.no, quantity: -l.quantity }));
    for (const takenLine of taken)
      takenUnits.set(takenLine.no, (takenUnits.get(takenLine.no) ?? 0) + takenLine.quantity);
    for (const summaryRow of stored.document.vatSummary) {
      const left = leftByRate.get(summaryRow.rate);
      if (!left) continue;
      left.net += summaryRow.net;
      left.vat += summaryRow.vat;
      left.gross += summaryRow.gross;
    }
  }
  const seller = await resolveSeller(tx, invoice.seller);
  const unit = UNIT[seller.language] ?? 'pcs';
  let lines: InvoiceDocumentLine[];
  const covers: StoredInvoice['covers'] = [];
  if (input.lines?.length) {
    lines = input.lines.map((requested, index) => {
      const line = original.document.lines.find((x) => x.no === requested.no);
      if (!line)
        throw new AppError('VALIDATION_FAILED', `invoice ${invoice.number} has no line ${requested.no}`, [
          { path: `/lines/${index}/no`, message: 'not a line of the invoice' },
        ]);
      const already = takenUnits.get(requested.no) ?? 0;
      const left = line.quantity - already;
      if (requested.quantity < 1 || requested.quantity > left)
        throw new AppError(
          'CREDIT_NOTE_EXCEEDS_INVOICE',
          `line ${requested.no} has ${left} unit(s) left to take back`,
          [{ path: `/lines/${index}/quantity`, message: `between 1 and ${left}` }],
        );
      // A line named twice in one note counts both times.
      takenUnits.set(requested.no, already + requested.quantity);
      return takeBackLine(requested.no, line, requested.quantity, already);
    });
    for (const creditLine of lines) {
      const cover = original.covers.find((c) => c.no === creditLine.no);
      if (cover) covers.push({ lineId: cover.lineId, quantity: creditLine.quantity, no: creditLine.no });
    }
  } else if (input.amount !== undefined) {
    lines = creditByAmount(
      [...leftByRate.values()].filter((r) => r.gross > 0n),
      input.amount,
      input.reason,
      unit,
    );
  } else {
    throw new AppError('VALIDATION_FAILED', 'give the lines taken back or an amount', [
      { path: '/lines', message: 'lines or amount is required' },
    ]);
  }
  const { rows, totals } = vatSummary(lines);
  if (-totals.gross > leftGross || totals.gross >= 0n)
    throw new AppError(
      'CREDIT_NOTE_EXCEEDS_INVOICE',
      `${formatMoney(-totals.gross, invoice.currency)} is more than the ${formatMoney(leftGross, invoice.currency)} left of ${invoice.number}`,
      [
        {
          path: input.lines?.length ? '/lines' : '/amount',
          message: `at most ${formatMoney(leftGross, invoice.currency)}`,
        },
      ],
    );
  const issueDate = localDate(now, seller.time_zone);
  const year = Number(issueDate.slice(0, 4));
  const seq = await nextNumber(tx, seller.code, seller.credit_note_series, year);
  const number = `${seller.credit_note_series}/${year}/${String(seq).padStart(6, '0')}`;
  const document: InvoiceDocument = {
    ...original.document,
    kind: 'credit_note',
    number,
    issueDate,
    lines,
    vatSummary: rows,
    totals,
    payment: {},
    corrects: {
      number: invoice.number,
      issueDate: invoice.issue_date,
      ...(invoice.ksef_number ? { ksefNumber: invoice.ksef_number } : {}),
      reason: input.reason,
    },
  };
  return storeInvoice(ctx, {
    orderId: invoice.order_id,
    shipmentId: invoice.shipment_id,
    kind: 'credit_note',
    seller,
    series: seller.credit_note_series,
    year,
    seq,
    document,
    covers,
    takenBack: input.lines?.length ? input.lines.map((l) => ({ no: l.no, quantity: l.quantity })) : [],
    dueDate: null,
    correctsId: invoice.id,
    reason: input.reason,
    corrects: { id: invoice.id, number: invoice.number },
  });
}

export function invoiceView(row: InvoiceRow) {
  const formatAmount = (v: string) => formatMoney(BigInt(v), row.currency);
  const doc = reviveDocument(row.document).document;
  return {
    id: row.id,
    orderId: row.order_id,
    shipmentId: row.shipment_id,
    kind: row.kind,
    number: row.number,
    seller: row.seller,
    currency: row.currency,
    net: formatAmount(row.net),
    vat: formatAmount(row.vat),
    gross: formatAmount(row.gross),
    issueDate: row.issue_date,
    dueDate: row.due_date,
    correctsId: row.corrects_id,
    reason: row.reason,
    ksef: { status: row.ksef_status, number: row.ksef_number, error: row.ksef_error },
    buyer: doc.buyer,
    lines: doc.lines.map((l) => ({
      no: l.no,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unit: l.unit,
      vatRate: l.vatRate,
      net: formatMoney(l.net, row.currency),
      vat: formatMoney(l.vat, row.currency),
      gross: formatMoney(l.gross, row.currency),
    })),
    vatSummary: doc.vatSummary.map((v) => ({
      rate: v.rate,
      net: formatMoney(v.net, row.currency),
      vat: formatMoney(v.vat, row.currency),
      gross: formatMoney(v.gross, row.currency),
    })),
    links: { pdf: `/api/v1/invoices/${row.id}/pdf` },
    createdAt: row.created_at.toISOString(),
  };
}
