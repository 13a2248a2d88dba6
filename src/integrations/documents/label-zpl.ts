import { ssccText } from './barcodes.js';
import { captions, fill, formatKg } from './i18n.js';
import { addressLines } from './pdf.js';
import { parseDocumentInput, shippingLabelSchema } from './schemas.js';
import type { ShippingLabelData } from './types.js';

export interface ZplOptions {
  /** Printer resolution in dots per millimetre: 8 (203 dpi, the default), 12 (300 dpi) or 24 (600 dpi). */
  dpmm?: 8 | 12 | 24;
  /**
   * A printer-resident TrueType font for text, e.g. "E:TT0003M_.TTF", printed with ^A@.
   * Zebra's built-in font 0 (^A0) has Latin Extended for Polish but not Cyrillic on most
   * firmware, so Russian labels need a Unicode font downloaded to the printer.
   */
  font?: string;
}

/**
 * Escapes field data for ^FH: "^" and "~" would start commands and "_" is the hex indicator.
 * With ^CI28 the printer reads the remaining bytes as UTF-8.
 */
function field(value: string): string {
  if (!/[\^~_\\]/.test(value)) return `^FD${value}^FS`;
  const escaped = value.replace(/[\^~_\\]/g, (c) => '_' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
  return `^FH_^FD${escaped}^FS`;
}

/** Code128 needs about 11 modules a character (worst case, code set B) plus start, check and stop. */
function narrowBar(chars: number, index: number): number {
  const modules = 11 * (chars + 3) + 2;
  return Math.max(1, Math.round(Math.min(3, Math.max(1, Math.floor(700 / modules))) * index));
}

/**
 * The same 100 × 150 mm label as `renderShippingLabel`, as ZPL II for thermal printers:
 * ^CI28 (UTF-8), text with ^A0 (or ^A@ with `font`), the tracking number as ^BC Code128,
 * the SSCC as ^BC in UCC/EAN mode (GS1-128, FNC1 + AI 00) and the tracking URL as ^BQ QR.
 */
export function labelZpl(input: ShippingLabelData, options: ZplOptions = {}): string {
  const data = parseDocumentInput(shippingLabelSchema, input, 'shipping label');
  const words = captions(data.locale);
  const index = (options.dpmm ?? 8) / 8;
  const date = (n: number) => Math.round(n * index);
  const font = (h: number) =>
    options.font ? `^A@N,${date(h)},${date(h)},${options.font}` : `^A0N,${date(h)},${date(h)}`;
  const text = (x: number, y: number, h: number, value: string, width?: number, align: 'L' | 'C' | 'R' = 'L') =>
    `^FO${date(x)},${date(y)}${font(h)}${width ? `^FB${date(width)},1,0,${align},0` : ''}${field(value)}`;
  const box = (x: number, y: number, w: number, thick: number) =>
    `^FO${date(x)},${date(y)}^GB${date(w)},${date(thick)},${date(thick)}^FS`;

  const out: string[] = ['^XA', '^CI28', `^PW${date(800)}`, `^LL${date(1200)}`, '^LH0,0'];
  out.push(text(30, 30, 50, data.carrier.name, 460));
  out.push(text(30, 88, 26, data.carrier.service, 460));
  out.push(text(480, 30, 34, fill(words.packageOf, { n: data.package.index, m: data.package.count }), 290, 'R'));
  out.push(text(480, 80, 26, `${words.weight}: ${formatKg(data.weightGrams, data.locale)} kg`, 290, 'R'));
  out.push(box(30, 125, 740, 4));

  let posY = 140;
  out.push(text(30, posY, 20, words.from.toUpperCase()));
  posY += 26;
  for (const addressLine of addressLines(data.sender, words.tel)) {
    out.push(text(30, posY, 20, addressLine, 740));
    posY += 24;
  }
  out.push(box(30, posY + 4, 740, 2));

  posY += 20;
  const toTop = posY;
  out.push(text(30, posY, 20, words.to.toUpperCase()));
  posY += 28;
  addressLines(data.recipient, words.tel).forEach((addressLine, index) => {
    out.push(text(30, posY, index === 0 ? 36 : 30, addressLine, 520));
    posY += index === 0 ? 42 : 34;
  });
  // QR: model 2, magnification 5 (~ 36 mm for a typical URL); "QA," = error correction Q, automatic input.
  out.push(
    `^FO${date(570)},${date(toTop)}^BQN,2,${Math.max(1, Math.round(5 * index))}${field(`QA,${data.trackingUrl}`)}`,
  );
  posY = Math.max(posY, toTop + 230) + 10;
  out.push(box(30, posY, 740, 4));

  posY += 16;
  out.push(text(30, posY, 20, words.trackingNumber.toUpperCase()));
  out.push(
    `^FO${date(60)},${date(posY + 26)}^BY${narrowBar(data.trackingNumber.length, index)}^BCN,${date(120)},N,N,N${field(data.trackingNumber)}`,
  );
  out.push(text(30, posY + 156, 34, data.trackingNumber, 740, 'C'));
  posY += 200;
  out.push(box(30, posY, 740, 2));
  out.push(text(30, posY + 12, 30, `${words.order}: ${data.orderNumber}`, 740));
  posY += 56;
  out.push(box(30, posY, 740, 2));

  out.push(text(30, posY + 10, 20, words.sscc));
  // Mode D (UCC/EAN): the printer adds FNC1 and drops the parentheses from the encoded data.
  out.push(
    `^FO${date(60)},${date(posY + 36)}^BY${Math.max(2, Math.round(3 * index))}^BCN,${date(130)},N,N,N,D^FD(00)${data.sscc}^FS`,
  );
  out.push(text(30, posY + 176, 32, ssccText(data.sscc), 740, 'C'));
  out.push('^PQ1', '^XZ');
  return out.join('\n') + '\n';
}
