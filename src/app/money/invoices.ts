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
const addressOf = (a: Record<string, unknown> | null | undefined, fallbackCountry: string) => {
  const regionCode = regionCodeOf(a);
  return {
    line1: String(a?.line1 ?? ''),
    ...(a?.line2 ? { line2: String(a.line2) } : {}),
    city: String(a?.city ?? ''),
    postalCode: String(a?.postalCode ?? ''),
    countryCode: String(a?.country ?? a?.countryCode ?? fallbackCountry),
    ...(regionCode ? { regionCode } : {}),
  };
};

function sellerParty(s: SellerRow): InvoiceParty {
  return {
    name: s.name,
    ...(s.tax_id ? { taxId: s.tax_id } : {}),
    ...(s.kpp ? { kpp: s.kpp } : {}),
    address: addressOf(s.address as Record<string, unknown>, s.country),
  };
}

async function buyerParty(scope: TenantScope, orderId: string, country: string): Promise<InvoiceParty> {
  const o = await scope
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
  const billing = (o.billing_address ?? o.shipping_address) as Record<string, unknown> | null;
  if (o.company_name) {
    const first = ((o.company_addresses as unknown[] | null) ?? [])[0] as Record<string, unknown> | undefined;
    return {
      name: o.company_name,
      ...(o.company_tax_id ? { taxId: o.company_tax_id } : {}),
      address: addressOf(billing ?? first, country),
      ...(o.customer_email ? { email: o.customer_email } : {}),
    };
  }
  return {
    name: String(billing?.company ?? billing?.name ?? o.customer_name ?? ''),
    person: !billing?.company,
    address: addressOf(billing, country),
    ...(o.customer_email ? { email: o.customer_email } : {}),
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
  for (const r of rows)
    for (const c of reviveDocument(r.document).covers ?? [])
      units.set(c.lineId, (units.get(c.lineId) ?? 0) + c.quantity);
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
    for (const s of shipped) wanted.set(s.order_line_id, (wanted.get(s.order_line_id) ?? 0) + (s.picked ?? s.quantity));
  }
  if (input.kind === 'invoice') {
    const done = await invoicedUnits(tx, orderId);
    for (const [id, q] of wanted) wanted.set(id, Math.max(0, q - (done.get(id) ?? 0)));
  }
  if (![...wanted.values()].some((q) => q > 0))
    throw new AppError('INVOICE_NOT_ALLOWED', `everything of order ${order.number} is invoiced already`);

  const unit = UNIT[seller.language] ?? 'pcs';
  const docLines: InvoiceDocumentLine[] = [];
  const covered: StoredInvoice['covers'] = [];
  for (const line of lines) {
    const q = wanted.get(line.id) ?? 0;
    if (q <= 0) continue;
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
    docLines.push(partOfLine(no, full, q));
    covered.push({ lineId: line.id, quantity: q, no });
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
    .select(['shipping_total', 'tax_total', 'attributes', 'billing_address', 'shipping_address'])
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  const shipping = BigInt(orderRow.shipping_total);
  if (shipping > 0n && shippingOnInvoice) {
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
          name: { pl: 'Dostawa', ru: 'Доставка', en: 'Delivery' }[seller.language as 'pl'] ?? 'Delivery',
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
  v: {
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
    order_id: v.orderId,
    shipment_id: v.shipmentId,
    kind: v.kind,
    seller: v.seller.code,
    series: v.series,
    year: v.year,
    seq: v.seq,
    number: v.document.number,
    currency: v.document.currency,
    net: v.document.totals.net,
    vat: v.document.totals.vat,
    gross: v.document.totals.gross,
    issue_date: v.document.issueDate,
    due_date: v.dueDate,
    corrects_id: v.correctsId,
    reason: v.reason,
    document: toJson({
      document: v.document,
      covers: v.covers,
      ...(v.takenBack ? { takenBack: v.takenBack } : {}),
    } satisfies StoredInvoice),
    ksef_status: v.seller.ksef && v.kind !== 'proforma' ? 'queued' : null,
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
  const m = (x: bigint) => formatMoney(x, v.document.currency);
  const links = {
    self: `/api/v1/invoices/${id}`,
    pdf: `/api/v1/invoices/${id}/pdf`,
    ...(v.seller.country === 'PL' ? { ksef: `/api/v1/invoices/${id}/ksef.xml` } : {}),
    ...(v.seller.country === 'RU' ? { upd: `/api/v1/invoices/${id}/upd.xml` } : {}),
  };
  await writeHistory(tx, ctx.actor, now, [
    {
      orderId: v.orderId,
      action: v.kind === 'credit_note' ? 'credit_note.issued' : 'invoice.issued',
      changes: {
        invoiceId: id,
        kind: v.kind,
        number: v.document.number,
        gross: m(v.document.totals.gross),
        ...(v.corrects ? { corrects: v.corrects.number } : {}),
      },
      reason: v.reason ? { note: v.reason } : {},
    },
  ]);
  if (v.kind === 'credit_note' && v.corrects)
    await emitEvent(tx, {
      type: 'credit_note.issued',
      subject: v.orderId,
      time: now,
      payload: {
        orderId: v.orderId,
        invoiceId: id,
        number: v.document.number,
        corrects: { invoiceId: v.corrects.id, number: v.corrects.number },
        currency: v.document.currency,
        net: m(v.document.totals.net),
        vat: m(v.document.totals.vat),
        gross: m(v.document.totals.gross),
        reason: v.reason ?? '',
        links,
      },
    });
  else
    await emitEvent(tx, {
      type: 'invoice.issued',
      subject: v.orderId,
      time: now,
      payload: {
        orderId: v.orderId,
        invoiceId: id,
        kind: v.kind,
        number: v.document.number,
        currency: v.document.currency,
        net: m(v.document.totals.net),
        vat: m(v.document.totals.vat),
        gross: m(v.document.totals.gross),
        issueDate: v.document.issueDate,
        dueDate: v.dueDate,
        links,
      },
    });
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
  for (const e of earlier) {
    const stored = reviveDocument(e.document);
    // Notes stored before `takenBack`: lines of one by amount are sku-less single units.
    const taken =
      stored.takenBack ??
      stored.document.lines.filter((l) => l.sku || l.quantity !== -1).map((l) => ({ no: l.no, quantity: -l.quantity }));
    for (const x of taken) takenUnits.set(x.no, (takenUnits.get(x.no) ?? 0) + x.quantity);
    for (const r of stored.document.vatSummary) {
      const left = leftByRate.get(r.rate);
      if (!left) continue;
      left.net += r.net;
      left.vat += r.vat;
      left.gross += r.gross;
    }
  }
  const seller = await resolveSeller(tx, invoice.seller);
  const unit = UNIT[seller.language] ?? 'pcs';
  let lines: InvoiceDocumentLine[];
  const covers: StoredInvoice['covers'] = [];
  if (input.lines?.length) {
    lines = input.lines.map((l, i) => {
      const line = original.document.lines.find((x) => x.no === l.no);
      if (!line)
        throw new AppError('VALIDATION_FAILED', `invoice ${invoice.number} has no line ${l.no}`, [
          { path: `/lines/${i}/no`, message: 'not a line of the invoice' },
        ]);
      const already = takenUnits.get(l.no) ?? 0;
      const left = line.quantity - already;
      if (l.quantity < 1 || l.quantity > left)
        throw new AppError('CREDIT_NOTE_EXCEEDS_INVOICE', `line ${l.no} has ${left} unit(s) left to take back`, [
          { path: `/lines/${i}/quantity`, message: `between 1 and ${left}` },
        ]);
      // A line named twice in one note counts both times.
      takenUnits.set(l.no, already + l.quantity);
      return takeBackLine(l.no, line, l.quantity, already);
    });
    for (const l of lines) {
      const cover = original.covers.find((c) => c.no === l.no);
      if (cover) covers.push({ lineId: cover.lineId, quantity: l.quantity, no: l.no });
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

export function invoiceView(r: InvoiceRow) {
  const m = (v: string) => formatMoney(BigInt(v), r.currency);
  const doc = reviveDocument(r.document).document;
  return {
    id: r.id,
    orderId: r.order_id,
    shipmentId: r.shipment_id,
    kind: r.kind,
    number: r.number,
    seller: r.seller,
    currency: r.currency,
    net: m(r.net),
    vat: m(r.vat),
    gross: m(r.gross),
    issueDate: r.issue_date,
    dueDate: r.due_date,
    correctsId: r.corrects_id,
    reason: r.reason,
    ksef: { status: r.ksef_status, number: r.ksef_number, error: r.ksef_error },
    buyer: doc.buyer,
    lines: doc.lines.map((l) => ({
      no: l.no,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unit: l.unit,
      vatRate: l.vatRate,
      net: formatMoney(l.net, r.currency),
      vat: formatMoney(l.vat, r.currency),
      gross: formatMoney(l.gross, r.currency),
    })),
    vatSummary: doc.vatSummary.map((v) => ({
      rate: v.rate,
      net: formatMoney(v.net, r.currency),
      vat: formatMoney(v.vat, r.currency),
      gross: formatMoney(v.gross, r.currency),
    })),
    links: { pdf: `/api/v1/invoices/${r.id}/pdf` },
    createdAt: r.created_at.toISOString(),
  };
}
