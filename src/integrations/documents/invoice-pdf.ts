/**
 * The invoice, credit note or proforma as an A4 PDF in Polish, Russian or English: seller and
 * buyer, lines, VAT per rate, totals and amount due, payment terms, what a credit note
 * corrects, and the KSeF number once KSeF has given one. Built on the shared PDF helpers
 * (DejaVu fonts for Polish and Cyrillic, repeated table headers, "Page n of m").
 */
import type { InvoiceDocument, InvoiceDocumentLine, InvoiceParty } from '../../domain/money/invoice-document.js';
import { fill } from './i18n.js';
import { formatMoney, invoiceCaptions, rateLabel, type InvoiceCaptions } from './invoice-i18n.js';
import {
  block,
  BOLD,
  captionedLines,
  ensureSpace,
  layoutRows,
  line,
  openDocument,
  pageFooters,
  REGULAR,
  rule,
} from './pdf.js';

const MARGIN = 40;
const SIZE = 8;

export interface InvoicePdfOptions {
  /** The KSeF number of this invoice, printed under the number once KSeF has assigned it. */
  ksefNumber?: string;
  /** ISO instant written as the PDF creation date (stable bytes in tests). */
  createdAt?: string;
}

function partyLines(party: InvoiceParty, captions: InvoiceCaptions): string[] {
  const address = party.address;
  const out = [party.name, address.line1];
  if (address.line2) out.push(address.line2);
  out.push(`${address.postalCode} ${address.city}`, address.countryCode);
  if (party.taxId) out.push(`${captions.taxId}: ${party.taxId}${party.kpp ? `, ${captions.kpp}: ${party.kpp}` : ''}`);
  if (party.email) out.push(party.email);
  return out;
}

export async function renderInvoicePdf(inv: InvoiceDocument, options: InvoicePdfOptions = {}): Promise<Buffer> {
  const captions = invoiceCaptions(inv.language);
  const money = (v: bigint) => formatMoney(v, inv.language);
  const title =
    inv.kind === 'credit_note' ? captions.creditNote : inv.kind === 'proforma' ? captions.proforma : captions.invoice;
  const { doc, finish } = openDocument(
    { locale: inv.language, ...(options.createdAt ? { createdAt: options.createdAt } : {}) },
    { size: 'A4', margin: MARGIN, title: `${title} ${inv.number}`, bufferPages: true },
  );
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const right = left + width;
  const half = width / 2;

  line(doc, title, left, MARGIN, { width: half, size: 16, bold: true });
  line(doc, `${captions.no} ${inv.number}`, left + half, MARGIN, { width: half, size: 12, bold: true, align: 'right' });
  const meta: string[] = [`${captions.issueDate}: ${inv.issueDate}`];
  if (inv.saleDate && inv.saleDate !== inv.issueDate) meta.push(`${captions.saleDate}: ${inv.saleDate}`);
  if (inv.placeOfIssue) meta.push(`${captions.placeOfIssue}: ${inv.placeOfIssue}`);
  if (inv.payment?.dueDate) meta.push(`${captions.dueDate}: ${inv.payment.dueDate}`);
  meta.push(`${captions.order}: ${inv.orderNumber}`);
  let cursorY = MARGIN + 18;
  for (const metaLine of meta) {
    line(doc, metaLine, left + half, cursorY, { width: half, size: SIZE, align: 'right' });
    cursorY += 11;
  }
  if (options.ksefNumber) {
    line(doc, `${captions.ksefNumber}: ${options.ksefNumber}`, left, MARGIN + 22, {
      width: half,
      size: SIZE,
      bold: true,
    });
  }
  cursorY = Math.max(cursorY, MARGIN + 40) + 4;
  rule(doc, left, right, cursorY, 1.5);

  const col = (width - 20) / 2;
  const top = cursorY + 8;
  cursorY =
    Math.max(
      captionedLines(doc, captions.seller, partyLines(inv.seller, captions), left, top, { width: col, size: 9 }),
      captionedLines(doc, captions.buyer, partyLines(inv.buyer, captions), left + col + 20, top, {
        width: col,
        size: 9,
      }),
    ) + 6;

  if (inv.kind === 'credit_note' && inv.corrects) {
    const corrected = inv.corrects;
    doc
      .save()
      .rect(left, cursorY, width, corrected.ksefNumber ? 40 : 29)
      .fill('#f4f4f4')
      .restore();
    line(doc, fill(captions.corrects, { number: corrected.number, date: corrected.issueDate }), left + 6, cursorY + 5, {
      width: width - 12,
      size: 9,
      bold: true,
    });
    let ky = cursorY + 17;
    if (corrected.ksefNumber) {
      line(doc, fill(captions.correctsKsef, { ksef: corrected.ksefNumber }), left + 6, ky, {
        width: width - 12,
        size: SIZE,
      });
      ky += 11;
    }
    line(doc, `${captions.reason}: ${corrected.reason}`, left + 6, ky, { width: width - 12, size: SIZE });
    cursorY = ky + 18;
  }

  // Columns, right to left from the gross column; the name takes what is left.
  const widths = { no: 16, qty: 34, unit: 30, unitNet: 56, net: 62, rate: 34, vat: 54, gross: 64 };
  const xs: Record<keyof typeof widths, number> = {
    no: left,
    qty: 0,
    unit: 0,
    unitNet: 0,
    net: 0,
    rate: 0,
    vat: 0,
    gross: 0,
  };
  let cursor = right;
  for (const column of ['gross', 'vat', 'rate', 'net', 'unitNet', 'unit', 'qty'] as const) {
    cursor -= widths[column];
    xs[column] = cursor;
    cursor -= 4;
  }
  const nameX = left + widths.no + 4;
  const nameW = xs.qty - 6 - nameX;
  const num = (s: string, k: keyof typeof widths, py: number, bold = false) =>
    line(doc, s, xs[k], py, { width: widths[k], size: SIZE, align: 'right', bold });

  const header = (py: number, continued: boolean): number => {
    if (continued) {
      line(doc, `${title} ${inv.number} (${captions.continued})`, left, py, { width, size: SIZE });
      py += 14;
    }
    doc.save().rect(left, py, width, 22).fill('#eeeeee').restore();
    block(doc, '#', left + 2, py + 3, { width: widths.no, size: 7, bold: true, maxLines: 2 });
    block(doc, captions.item, nameX, py + 3, { width: nameW, size: 7, bold: true, maxLines: 2 });
    for (const column of ['qty', 'unit', 'unitNet', 'net', 'rate', 'vat', 'gross'] as const) {
      doc.font(BOLD).fontSize(7);
      doc.text(captions[column], xs[column], py + 3, {
        width: widths[column],
        align: 'right',
        height: 18,
        ellipsis: true,
      });
    }
    return py + 26;
  };
  const nameHeight = (invoiceLine: InvoiceDocumentLine) => {
    doc.font(REGULAR).fontSize(SIZE);
    const text = `${invoiceLine.name}\n${invoiceLine.sku}`;
    return Math.min(doc.heightOfString(text, { width: nameW }), doc.currentLineHeight(true) * 4);
  };
  cursorY = layoutRows(doc, inv.lines, {
    startY: cursorY,
    header,
    heightOf: (l) => nameHeight(l) + 6,
    draw: (invoiceLine, py) => {
      line(doc, String(invoiceLine.no), left + 2, py, { width: widths.no, size: SIZE });
      block(doc, invoiceLine.name, nameX, py, { width: nameW, size: SIZE, maxLines: 3 });
      doc.fillColor('#666666');
      line(doc, invoiceLine.sku, nameX, py + nameHeight(invoiceLine) - SIZE * 1.2, { width: nameW, size: 7 });
      doc.fillColor('black');
      num(String(invoiceLine.quantity), 'qty', py);
      num(invoiceLine.unit, 'unit', py);
      num(money(invoiceLine.unitNet), 'unitNet', py);
      num(money(invoiceLine.net), 'net', py);
      num(rateLabel(invoiceLine.vatRate, captions), 'rate', py);
      num(money(invoiceLine.vat), 'vat', py);
      num(money(invoiceLine.gross), 'gross', py);
      doc.save().strokeColor('#cccccc');
      rule(doc, left, right, py + nameHeight(invoiceLine) + 3, 0.5);
      doc.restore();
    },
  });

  // VAT per rate, under the amount columns, then the total row.
  cursorY = ensureSpace(doc, cursorY + 6, 14 * (inv.vatSummary.length + 3) + 70);
  line(doc, captions.vatSummary, xs.unitNet, cursorY, {
    width: xs.gross + widths.gross - xs.unitNet,
    size: SIZE,
    bold: true,
  });
  cursorY += 12;
  for (const rateRow of inv.vatSummary) {
    num(money(rateRow.net), 'net', cursorY);
    num(rateLabel(rateRow.rate, captions), 'rate', cursorY);
    num(money(rateRow.vat), 'vat', cursorY);
    num(money(rateRow.gross), 'gross', cursorY);
    cursorY += 12;
  }
  rule(doc, xs.unitNet, right, cursorY, 0.75);
  cursorY += 3;
  line(doc, captions.total, xs.unitNet, cursorY, { width: widths.unitNet, size: SIZE, bold: true });
  num(money(inv.totals.net), 'net', cursorY, true);
  num(money(inv.totals.vat), 'vat', cursorY, true);
  num(money(inv.totals.gross), 'gross', cursorY, true);
  cursorY += 20;

  const paid = inv.payment?.paid ?? 0n;
  const due = inv.totals.gross - paid;
  const dueCaption = due < 0n ? captions.toRefund : captions.toPay;
  line(doc, `${dueCaption}: ${money(due < 0n ? -due : due)} ${inv.currency}`, left, cursorY, {
    width,
    size: 12,
    bold: true,
    align: 'right',
  });
  cursorY += 18;
  const terms: string[] = [];
  if (paid !== 0n) terms.push(`${captions.paid}: ${money(paid)} ${inv.currency}`);
  if (inv.payment?.method)
    terms.push(`${captions.method}: ${captions.methods[inv.payment.method] ?? inv.payment.method}`);
  if (inv.payment?.dueDate) terms.push(`${captions.dueDate}: ${inv.payment.dueDate}`);
  if (inv.payment?.bankAccount) terms.push(`${captions.bankAccount}: ${inv.payment.bankAccount}`);
  if (inv.vatSummary.some((r) => r.rate === 'zw') && inv.vatExemptionBasis)
    terms.push(`${captions.exemption}: ${inv.vatExemptionBasis}`);
  if (inv.kind === 'proforma') terms.push(captions.proformaNote);
  for (const term of terms) {
    cursorY = ensureSpace(doc, cursorY, 12);
    line(doc, term, left, cursorY, { width, size: 9 });
    cursorY += 12;
  }

  pageFooters(doc, (n, m) => fill(captions.page, { n, m }), `${title} ${inv.number}`);
  return finish();
}
