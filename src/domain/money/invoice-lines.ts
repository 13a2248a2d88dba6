import { divRound } from '../../shared/money.js';
import type { InvoiceDocumentLine, VatRate, VatSummaryRow } from './invoice-document.js';

/**
 * Invoice lines and the VAT summary from an order's priced lines, exact to the grosz/kopeck: each
 * line keeps the tax the order was priced with, so the invoice adds up to what the customer was
 * charged, and the summary per rate is the sum of its lines.
 */

/** An order line as the invoice needs it (minor units). */
export interface SourceLine {
  sku: string;
  name: string;
  quantity: number;
  /** What the line sells for: net + tax without pricesIncludeTax, the gross amount with it. */
  total: bigint;
  tax: bigint;
  /** "23", "8", … or null when the order gave none. */
  taxRate: string | null;
  gtin?: string;
}

/** A rate as the formats name it: a percentage without trailing zeros, or "np" when the order gave none. */
export function vatRateOf(taxRate: string | null): VatRate {
  if (taxRate === null || taxRate === '') return 'np';
  const [whole, frac = ''] = taxRate.split('.');
  const trimmed = frac.replace(/0+$/, '');
  return trimmed ? `${Number(whole)}.${trimmed}` : String(Number(whole));
}

/** With or without pricesIncludeTax the line's total is net + tax (the tax was extracted or added at pricing). */
export function invoiceLine(no: number, source: SourceLine, unit: string): InvoiceDocumentLine {
  const vat = source.tax;
  const net = source.total - vat;
  const gross = source.total;
  return {
    no,
    sku: source.sku,
    name: source.name,
    quantity: source.quantity,
    unit,
    unitNet:
      source.quantity !== 0 ? divRound(net, BigInt(Math.abs(source.quantity))) * (source.quantity < 0 ? -1n : 1n) : net,
    net,
    vatRate: vatRateOf(source.taxRate),
    vat,
    gross,
    ...(source.gtin ? { gtin: source.gtin } : {}),
  };
}

/** One row per rate (in order of first appearance) and the totals; Σ rows = totals = Σ lines. */
export function vatSummary(lines: readonly InvoiceDocumentLine[]): {
  rows: VatSummaryRow[];
  totals: { net: bigint; vat: bigint; gross: bigint };
} {
  const byRate = new Map<VatRate, VatSummaryRow>();
  const totals = { net: 0n, vat: 0n, gross: 0n };
  for (const line of lines) {
    const row = byRate.get(line.vatRate) ?? { rate: line.vatRate, net: 0n, vat: 0n, gross: 0n };
    row.net += line.net;
    row.vat += line.vat;
    row.gross += line.gross;
    byRate.set(line.vatRate, row);
    totals.net += line.net;
    totals.vat += line.vat;
    totals.gross += line.gross;
  }
  return { rows: [...byRate.values()], totals };
}

/** `quantity` of a line's units: net and VAT in proportion (rounded half away from zero). */
export function partOfLine(no: number, line: InvoiceDocumentLine, quantity: number): InvoiceDocumentLine {
  const part = (v: bigint) => (quantity === line.quantity ? v : divRound(v * BigInt(quantity), BigInt(line.quantity)));
  const net = part(line.net);
  const vat = part(line.vat);
  return { ...line, no, quantity, net, vat, gross: net + vat };
}

/**
 * The part of a line taken back: negative, as a credit note line is. `already` units were taken
 * back before: this part is what `already + quantity` units are worth less what `already` were,
 * so a line taken back in pieces adds up to the line exactly (not a grosz of rounding more).
 */
export function takeBackLine(
  no: number,
  line: InvoiceDocumentLine,
  quantity: number,
  already = 0,
): InvoiceDocumentLine {
  const upTo = partOfLine(no, line, already + quantity);
  const before = partOfLine(no, line, already);
  const net = upTo.net - before.net;
  const vat = upTo.vat - before.vat;
  return { ...upTo, quantity: -quantity, net: -net, vat: -vat, gross: -(net + vat) };
}

/**
 * A credit of `amount` (gross) without lines (a goodwill refund, a price change): spread over the
 * invoice's rates in proportion to their gross, the remainder to the largest, one line per rate;
 * VAT is extracted from each part at its rate so every row stays consistent.
 */
export function creditByAmount(
  summary: readonly VatSummaryRow[],
  amount: bigint,
  label: string,
  unit: string,
): InvoiceDocumentLine[] {
  const total = summary.reduce((a, r) => a + r.gross, 0n);
  if (total <= 0n || amount <= 0n) return [];
  const parts = summary.map((r) => (amount * r.gross) / total);
  let rest = amount - parts.reduce((a, p) => a + p, 0n);
  const order = summary.map((_, i) => i).sort((a, b) => (summary[b]!.gross > summary[a]!.gross ? 1 : -1));
  for (let step = 0; rest > 0n; step = (step + 1) % order.length, rest--) {
    const rateIndex = order[step]!;
    parts[rateIndex] = parts[rateIndex]! + 1n;
  }
  return summary.flatMap((row, rowIndex) => {
    const gross = parts[rowIndex]!;
    if (gross === 0n) return [];
    const vat = row.gross === 0n ? 0n : divRound(gross * row.vat, row.gross);
    return [
      {
        no: rowIndex + 1,
        sku: '',
        name: label,
        quantity: -1,
        unit,
        unitNet: -(gross - vat),
        net: -(gross - vat),
        vatRate: row.rate,
        vat: -vat,
        gross: -gross,
      },
    ];
  });
}
