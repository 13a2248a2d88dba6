import { formatMoney } from '../../shared/money.js';
import { newId } from '../../shared/ids.js';
import type { InvoiceDocument } from '../../domain/money/invoice-document.js';
import { writeHistory } from '../../store/history.js';
import { emitEvent } from '../events/emit-event.js';
import { requestNotification } from '../notifications/request-notification.js';
import { scheduleTimer } from '../events/timers.js';
import type { MoneyContext } from './record-payment.js';
import { KSEF_SUBMISSION_JOB, toJson, type InvoiceRow, type SellerRow, type StoredInvoice } from './invoice-rows.js';

/**
 * Stores an issued invoice, proforma or credit note: its row (queued for KSeF when the seller
 * sends there), the order's history, `invoice.issued` or `credit_note.issued`, and the e-mail
 * with the document to the buyer.
 */
export async function storeInvoice(
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
