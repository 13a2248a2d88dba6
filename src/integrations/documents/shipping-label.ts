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
  const value = captions(data.locale);
  const [tracking, qr, ssccCode] = options.withoutBarcodes
    ? [undefined, undefined, undefined]
    : [code128(data.trackingNumber), qrCode(data.trackingUrl), ssccBarcode(data.sscc)];

  const { doc, finish } = openDocument(data, {
    size: LABEL_SIZE,
    margin: 8,
    title: `${value.order} ${data.orderNumber}`,
  });
  const left = 8;
  const width = LABEL_SIZE[0] - 16;
  const right = left + width;

  // Header: carrier and service on the left, package n of m and weight on the right.
  line(doc, data.carrier.name, left, 8, { width: width * 0.6, size: 15, bold: true });
  line(doc, data.carrier.service, left, 28, { width: width * 0.6, size: 8 });
  line(doc, fill(value.packageOf, { n: data.package.index, m: data.package.count }), left + width * 0.6, 9, {
    width: width * 0.4,
    size: 10,
    bold: true,
    align: 'right',
  });
  line(doc, `${value.weight}: ${formatKg(data.weightGrams, data.locale)} kg`, left + width * 0.6, 25, {
    width: width * 0.4,
    size: 8,
    align: 'right',
  });
  rule(doc, left, right, 42, 1.5);

  let posY = captionedLines(doc, value.from, addressLines(data.sender, value.tel), left, 46, { width, size: 7 });
  rule(doc, left, right, posY + 2);

  // Recipient beside the QR code: the QR takes the right third.
  const qrSize = 88;
  const toTop = posY + 6;
  const toBottom = captionedLines(doc, value.to, addressLines(data.recipient, value.tel), left, toTop, {
    width: width - qrSize - 6,
    size: 10,
    captionSize: 7,
  });
  if (qr) drawBarcode(doc, qr, { x: right - qrSize + 6, y: toTop - 2, width: qrSize, height: qrSize });
  posY = Math.max(toBottom, toTop + qrSize - 4);
  rule(doc, left, right, posY + 2, 1.5);

  posY += 6;
  line(doc, value.trackingNumber.toUpperCase(), left, posY, { width, size: 7 });
  if (tracking) drawBarcode(doc, tracking, { x: left, y: posY + 11, width, height: 44 });
  line(doc, data.trackingNumber, left, posY + 57, { width, size: 11, bold: true, align: 'center' });
  posY += 74;
  rule(doc, left, right, posY);

  line(doc, `${value.order}: ${data.orderNumber}`, left, posY + 4, { width, size: 9, bold: true });
  posY += 18;
  rule(doc, left, right, posY);

  line(doc, value.sscc, left, posY + 4, { width, size: 7 });
  if (ssccCode) drawBarcode(doc, ssccCode, { x: left, y: posY + 15, width, height: 51 });
  line(doc, ssccText(data.sscc), left, posY + 69, { width, size: 10, bold: true, align: 'center' });

  return finish();
}
