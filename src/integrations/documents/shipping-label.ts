import { code128, drawBarcode, qrCode, ssccBarcode, ssccText } from './barcodes.js';
import { captions, fill, formatKg } from './i18n.js';
import { addressLines, captionedLines, line, MM, openDocument, rule } from './pdf.js';
import { parseDocumentInput, shippingLabelSchema } from './schemas.js';
import type { ShippingLabelData } from './types.js';

/** A6 portrait in points. */
export const LABEL_SIZE: [number, number] = [100 * MM, 150 * MM];

export interface LabelOptions {
  /**
   * Leave the barcodes out. Only for the benchmark's baseline (same layout, text only):
   * a label without barcodes is not a valid shipping label.
   */
  withoutBarcodes?: boolean;
}

/**
 * Renders a 100 × 150 mm shipping label: carrier and service, package n of m, weight,
 * sender, recipient, tracking number as Code128, the tracking URL as QR, the order number
 * and the SSCC as GS1-128 "(00)…". Throws DOCUMENT_INPUT_INVALID on bad input.
 */
export async function renderShippingLabel(input: ShippingLabelData, options: LabelOptions = {}): Promise<Buffer> {
  const data = parseDocumentInput(shippingLabelSchema, input, 'shipping label');
  const t = captions(data.locale);
  const [tracking, qr, ssccCode] = options.withoutBarcodes
    ? [undefined, undefined, undefined]
    : [code128(data.trackingNumber), qrCode(data.trackingUrl), ssccBarcode(data.sscc)];

  const { doc, finish } = openDocument(data, { size: LABEL_SIZE, margin: 8, title: `${t.order} ${data.orderNumber}` });
  const left = 8;
  const width = LABEL_SIZE[0] - 16;
  const right = left + width;

  // Header: carrier and service on the left, package n of m and weight on the right.
  line(doc, data.carrier.name, left, 8, { width: width * 0.6, size: 15, bold: true });
  line(doc, data.carrier.service, left, 28, { width: width * 0.6, size: 8 });
  line(doc, fill(t.packageOf, { n: data.package.index, m: data.package.count }), left + width * 0.6, 9, { width: width * 0.4, size: 10, bold: true, align: 'right' });
  line(doc, `${t.weight}: ${formatKg(data.weightGrams, data.locale)} kg`, left + width * 0.6, 25, { width: width * 0.4, size: 8, align: 'right' });
  rule(doc, left, right, 42, 1.5);

  let y = captionedLines(doc, t.from, addressLines(data.sender, t.tel), left, 46, { width, size: 7 });
  rule(doc, left, right, y + 2);

  // Recipient beside the QR code: the QR takes the right third.
  const qrSize = 88;
  const toTop = y + 6;
  const toBottom = captionedLines(doc, t.to, addressLines(data.recipient, t.tel), left, toTop, { width: width - qrSize - 6, size: 10, captionSize: 7 });
  if (qr) drawBarcode(doc, qr, { x: right - qrSize + 6, y: toTop - 2, width: qrSize, height: qrSize });
  y = Math.max(toBottom, toTop + qrSize - 4);
  rule(doc, left, right, y + 2, 1.5);

  y += 6;
  line(doc, t.trackingNumber.toUpperCase(), left, y, { width, size: 7 });
  if (tracking) drawBarcode(doc, tracking, { x: left, y: y + 11, width, height: 44 });
  line(doc, data.trackingNumber, left, y + 57, { width, size: 11, bold: true, align: 'center' });
  y += 74;
  rule(doc, left, right, y);

  line(doc, `${t.order}: ${data.orderNumber}`, left, y + 4, { width, size: 9, bold: true });
  y += 18;
  rule(doc, left, right, y);

  line(doc, t.sscc, left, y + 4, { width, size: 7 });
  if (ssccCode) drawBarcode(doc, ssccCode, { x: left, y: y + 15, width, height: 51 });
  line(doc, ssccText(data.sscc), left, y + 69, { width, size: 10, bold: true, align: 'center' });

  return finish();
}
