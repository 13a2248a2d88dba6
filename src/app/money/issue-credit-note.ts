import { AppError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import type { InvoiceDocument, InvoiceDocumentLine } from '../../domain/money/invoice-document.js';
import { creditByAmount, takeBackLine, vatSummary } from '../../domain/money/invoice-lines.js';
import type { MoneyContext } from './record-payment.js';
import { reviveDocument, type StoredInvoice } from './invoice-rows.js';
import { localDate, nextNumber, resolveSeller, UNIT } from './invoice-parties.js';
import { storeInvoice } from './store-invoice.js';

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
