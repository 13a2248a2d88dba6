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

function partyLines(p: InvoiceParty, c: InvoiceCaptions): string[] {
  const a = p.address;
  const out = [p.name, a.line1];
  if (a.line2) out.push(a.line2);
  out.push(`${a.postalCode} ${a.city}`, a.countryCode);
  if (p.taxId) out.push(`${c.taxId}: ${p.taxId}${p.kpp ? `, ${c.kpp}: ${p.kpp}` : ''}`);
  if (p.email) out.push(p.email);
  return out;
}

export async function renderInvoicePdf(inv: InvoiceDocument, options: InvoicePdfOptions = {}): Promise<Buffer> {
  const c = invoiceCaptions(inv.language);
  const money = (v: bigint) => formatMoney(v, inv.language);
  const title = inv.kind === 'credit_note' ? c.creditNote : inv.kind === 'proforma' ? c.proforma : c.invoice;
  const { doc, finish } = openDocument(
    { locale: inv.language, ...(options.createdAt ? { createdAt: options.createdAt } : {}) },
    { size: 'A4', margin: MARGIN, title: `${title} ${inv.number}`, bufferPages: true },
  );
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const right = left + width;
  const half = width / 2;

  line(doc, title, left, MARGIN, { width: half, size: 16, bold: true });
  line(doc, `${c.no} ${inv.number}`, left + half, MARGIN, { width: half, size: 12, bold: true, align: 'right' });
  const meta: string[] = [`${c.issueDate}: ${inv.issueDate}`];
  if (inv.saleDate && inv.saleDate !== inv.issueDate) meta.push(`${c.saleDate}: ${inv.saleDate}`);
  if (inv.placeOfIssue) meta.push(`${c.placeOfIssue}: ${inv.placeOfIssue}`);
  if (inv.payment?.dueDate) meta.push(`${c.dueDate}: ${inv.payment.dueDate}`);
  meta.push(`${c.order}: ${inv.orderNumber}`);
  let y = MARGIN + 18;
  for (const m of meta) {
    line(doc, m, left + half, y, { width: half, size: SIZE, align: 'right' });
    y += 11;
  }
  if (options.ksefNumber) {
    line(doc, `${c.ksefNumber}: ${options.ksefNumber}`, left, MARGIN + 22, { width: half, size: SIZE, bold: true });
  }
  y = Math.max(y, MARGIN + 40) + 4;
  rule(doc, left, right, y, 1.5);

  const col = (width - 20) / 2;
  const top = y + 8;
  y =
    Math.max(
      captionedLines(doc, c.seller, partyLines(inv.seller, c), left, top, { width: col, size: 9 }),
      captionedLines(doc, c.buyer, partyLines(inv.buyer, c), left + col + 20, top, { width: col, size: 9 }),
    ) + 6;

  if (inv.kind === 'credit_note' && inv.corrects) {
    const k = inv.corrects;
    doc
      .save()
      .rect(left, y, width, k.ksefNumber ? 40 : 29)
      .fill('#f4f4f4')
      .restore();
    line(doc, fill(c.corrects, { number: k.number, date: k.issueDate }), left + 6, y + 5, {
      width: width - 12,
      size: 9,
      bold: true,
    });
    let ky = y + 17;
    if (k.ksefNumber) {
      line(doc, fill(c.correctsKsef, { ksef: k.ksefNumber }), left + 6, ky, { width: width - 12, size: SIZE });
      ky += 11;
    }
    line(doc, `${c.reason}: ${k.reason}`, left + 6, ky, { width: width - 12, size: SIZE });
    y = ky + 18;
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
  for (const k of ['gross', 'vat', 'rate', 'net', 'unitNet', 'unit', 'qty'] as const) {
    cursor -= widths[k];
    xs[k] = cursor;
    cursor -= 4;
  }
  const nameX = left + widths.no + 4;
  const nameW = xs.qty - 6 - nameX;
  const num = (s: string, k: keyof typeof widths, py: number, bold = false) =>
    line(doc, s, xs[k], py, { width: widths[k], size: SIZE, align: 'right', bold });

  const header = (py: number, continued: boolean): number => {
    if (continued) {
      line(doc, `${title} ${inv.number} (${c.continued})`, left, py, { width, size: SIZE });
      py += 14;
    }
    doc.save().rect(left, py, width, 22).fill('#eeeeee').restore();
    block(doc, '#', left + 2, py + 3, { width: widths.no, size: 7, bold: true, maxLines: 2 });
    block(doc, c.item, nameX, py + 3, { width: nameW, size: 7, bold: true, maxLines: 2 });
    for (const k of ['qty', 'unit', 'unitNet', 'net', 'rate', 'vat', 'gross'] as const) {
      doc.font(BOLD).fontSize(7);
      doc.text(c[k], xs[k], py + 3, { width: widths[k], align: 'right', height: 18, ellipsis: true });
    }
    return py + 26;
  };
  const nameHeight = (l: InvoiceDocumentLine) => {
    doc.font(REGULAR).fontSize(SIZE);
    const text = `${l.name}\n${l.sku}`;
    return Math.min(doc.heightOfString(text, { width: nameW }), doc.currentLineHeight(true) * 4);
  };
  y = layoutRows(doc, inv.lines, {
    startY: y,
    header,
    heightOf: (l) => nameHeight(l) + 6,
    draw: (l, py) => {
      line(doc, String(l.no), left + 2, py, { width: widths.no, size: SIZE });
      block(doc, l.name, nameX, py, { width: nameW, size: SIZE, maxLines: 3 });
      doc.fillColor('#666666');
      line(doc, l.sku, nameX, py + nameHeight(l) - SIZE * 1.2, { width: nameW, size: 7 });
      doc.fillColor('black');
      num(String(l.quantity), 'qty', py);
      num(l.unit, 'unit', py);
      num(money(l.unitNet), 'unitNet', py);
      num(money(l.net), 'net', py);
      num(rateLabel(l.vatRate, c), 'rate', py);
      num(money(l.vat), 'vat', py);
      num(money(l.gross), 'gross', py);
      doc.save().strokeColor('#cccccc');
      rule(doc, left, right, py + nameHeight(l) + 3, 0.5);
      doc.restore();
    },
  });

  // VAT per rate, under the amount columns, then the total row.
  y = ensureSpace(doc, y + 6, 14 * (inv.vatSummary.length + 3) + 70);
  line(doc, c.vatSummary, xs.unitNet, y, { width: xs.gross + widths.gross - xs.unitNet, size: SIZE, bold: true });
  y += 12;
  for (const r of inv.vatSummary) {
    num(money(r.net), 'net', y);
    num(rateLabel(r.rate, c), 'rate', y);
    num(money(r.vat), 'vat', y);
    num(money(r.gross), 'gross', y);
    y += 12;
  }
  rule(doc, xs.unitNet, right, y, 0.75);
  y += 3;
  line(doc, c.total, xs.unitNet, y, { width: widths.unitNet, size: SIZE, bold: true });
  num(money(inv.totals.net), 'net', y, true);
  num(money(inv.totals.vat), 'vat', y, true);
  num(money(inv.totals.gross), 'gross', y, true);
  y += 20;

  const paid = inv.payment?.paid ?? 0n;
  const due = inv.totals.gross - paid;
  const dueCaption = due < 0n ? c.toRefund : c.toPay;
  line(doc, `${dueCaption}: ${money(due < 0n ? -due : due)} ${inv.currency}`, left, y, {
    width,
    size: 12,
    bold: true,
    align: 'right',
  });
  y += 18;
  const terms: string[] = [];
  if (paid !== 0n) terms.push(`${c.paid}: ${money(paid)} ${inv.currency}`);
  if (inv.payment?.method) terms.push(`${c.method}: ${c.methods[inv.payment.method] ?? inv.payment.method}`);
  if (inv.payment?.dueDate) terms.push(`${c.dueDate}: ${inv.payment.dueDate}`);
  if (inv.payment?.bankAccount) terms.push(`${c.bankAccount}: ${inv.payment.bankAccount}`);
  if (inv.vatSummary.some((r) => r.rate === 'zw') && inv.vatExemptionBasis)
    terms.push(`${c.exemption}: ${inv.vatExemptionBasis}`);
  if (inv.kind === 'proforma') terms.push(c.proformaNote);
  for (const t of terms) {
    y = ensureSpace(doc, y, 12);
    line(doc, t, left, y, { width, size: 9 });
    y += 12;
  }

  pageFooters(doc, (n, m) => fill(c.page, { n, m }), `${title} ${inv.number}`);
  return finish();
}
