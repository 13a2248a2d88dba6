import type { Selectable } from 'kysely';
import { formatMoney } from '../../shared/money.js';
import type { InvoiceDocument } from '../../domain/money/invoice-document.js';
import type { InvoicesTable, SellersTable } from '../../store/schema-money.js';
import type { TenantScope } from '../../store/tenant-scope.js';

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

/** JSON of a document: bigint amounts as decimal strings of minor units (revived by `reviveDocument`). */
export const toJson = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
export function reviveDocument(stored: unknown): StoredInvoice {
  return JSON.parse(JSON.stringify(stored), (_k, v) =>
    typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
  ) as StoredInvoice;
}

/** Units of each order line already on invoices (credit notes take theirs back; proformas count for nothing). */
export async function invoicedUnits(scope: TenantScope, orderId: string): Promise<Map<string, number>> {
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
