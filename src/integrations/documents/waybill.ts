import { formatMoney, parseMoney } from '../../shared/money.js';
import { captions, fill, formatAmount, formatCm, formatKg, formatM3 } from './i18n.js';
import {
  addressLines,
  block,
  captionedLines,
  ensureSpace,
  layoutRows,
  line,
  openDocument,
  pageFooters,
  rule,
} from './pdf.js';
import { parseDocumentInput, waybillSchema } from './schemas.js';
import type { WaybillData, WaybillPackage } from './types.js';

const MARGIN = 40;
const SIZE = 9;
const ROW = 16;

/**
 * Renders an A4 waybill / transport document: number and date, consignor, consignee,
 * carrier (vehicle, driver), the packages with weight and dimensions, totals (count, weight,
 * volume), declared value, remarks and signature boxes for consignor, carrier and consignee.
 * Captions follow `locale` (en, pl, ru). Throws DOCUMENT_INPUT_INVALID on bad input.
 */
export async function renderWaybill(input: WaybillData): Promise<Buffer> {
  const data = parseDocumentInput(waybillSchema, input, 'waybill');
  const value = captions(data.locale);
  const { doc, finish } = openDocument(data, {
    size: 'A4',
    margin: MARGIN,
    title: `${value.waybill} ${data.documentNumber}`,
    bufferPages: true,
  });
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const right = left + width;
  const half = (width - 16) / 2;

  line(doc, value.waybill, left, MARGIN, { width: width * 0.6, size: 18, bold: true });
  line(doc, `${value.documentNumber} ${data.documentNumber}`, left + width * 0.6, MARGIN, {
    width: width * 0.4,
    size: 12,
    bold: true,
    align: 'right',
  });
  line(doc, `${value.issueDate}: ${data.issueDate}`, left + width * 0.6, MARGIN + 17, {
    width: width * 0.4,
    size: SIZE,
    align: 'right',
  });
  if (data.orderNumber)
    line(doc, `${value.order}: ${data.orderNumber}`, left + width * 0.6, MARGIN + 30, {
      width: width * 0.4,
      size: SIZE,
      align: 'right',
    });
  rule(doc, left, right, MARGIN + 46, 1.5);

  let posY = MARGIN + 54;
  posY =
    Math.max(
      captionedLines(doc, value.consignor, addressLines(data.consignor, value.tel), left, posY, {
        width: half,
        size: 10,
      }),
      captionedLines(doc, value.consignee, addressLines(data.consignee, value.tel), left + half + 16, posY, {
        width: half,
        size: 10,
      }),
    ) + 8;
  rule(doc, left, right, posY);

  const carrierLines = [data.carrier.name];
  if (data.carrier.service) carrierLines.push(data.carrier.service);
  if (data.carrier.vehicle) carrierLines.push(`${value.vehicle}: ${data.carrier.vehicle}`);
  if (data.carrier.driver) carrierLines.push(`${value.driver}: ${data.carrier.driver}`);
  posY = captionedLines(doc, value.carrier, carrierLines, left, posY + 6, { width, size: 10 }) + 8;

  line(doc, value.packages.toUpperCase(), left, posY, { width, size: 8, bold: true });
  posY += 14;
  const cols = [
    { x: left, w: 24, title: '#', align: 'left' as const },
    { x: left + 26, w: 90, title: value.reference, align: 'left' as const },
    { x: left + 120, w: width - 120 - 230, title: value.contents, align: 'left' as const },
    { x: right - 226, w: 150, title: value.dimensions, align: 'right' as const },
    { x: right - 72, w: 70, title: value.weightKg, align: 'right' as const },
  ];
  const cells = (values: string[], yy: number, bold = false) =>
    values.forEach((v, i) =>
      line(doc, v, cols[i]!.x + (i === 0 ? 2 : 0), yy, { width: cols[i]!.w, size: SIZE, bold, align: cols[i]!.align }),
    );
  const header = (yy: number, continued: boolean): number => {
    if (continued) {
      line(doc, `${value.waybill} ${value.documentNumber} ${data.documentNumber} (${value.continued})`, left, yy, {
        width,
        size: SIZE,
      });
      yy += 16;
    }
    doc.save().rect(left, yy, width, 16).fill('#eeeeee').restore();
    cols.forEach((c) => line(doc, c.title, c.x + 2, yy + 4, { width: c.w - 2, size: 7.5, bold: true, align: c.align }));
    return yy + 20;
  };
  const dims = (p: WaybillPackage) =>
    `${formatCm(p.lengthMm, data.locale)} × ${formatCm(p.widthMm, data.locale)} × ${formatCm(p.heightMm, data.locale)}`;
  posY = layoutRows(doc, data.packages, {
    startY: posY,
    header,
    heightOf: () => ROW,
    draw: (p, yy, i) =>
      cells([String(i + 1), p.reference ?? '', p.description ?? '', dims(p), formatKg(p.weightGrams, data.locale)], yy),
  });

  const grams = data.packages.reduce((s, p) => s + p.weightGrams, 0);
  const mm3 = data.packages.reduce((s, p) => s + BigInt(p.lengthMm) * BigInt(p.widthMm) * BigInt(p.heightMm), 0n);
  posY = ensureSpace(doc, posY, 40);
  rule(doc, left, right, posY, 1);
  line(doc, `${value.total}: ${data.packages.length}`, left + 2, posY + 5, {
    width: cols[2]!.x - left,
    size: SIZE,
    bold: true,
  });
  cells(['', '', '', `${value.volume}: ${formatM3(mm3, data.locale)}`, formatKg(grams, data.locale)], posY + 5, true);
  posY += 26;

  if (data.declaredValue) {
    const { amount, currency } = data.declaredValue;
    // Normalised through bigint minor units: "12.5" PLN prints as "12,50 PLN", never via a float.
    const normal = formatMoney(parseMoney(amount, currency) as bigint, currency);
    line(doc, `${value.declaredValue}: ${formatAmount(normal, currency, data.locale)}`, left, posY, {
      width,
      size: 10,
      bold: true,
    });
    posY += 18;
  }
  if (data.remarks) {
    posY = ensureSpace(doc, posY, 70);
    line(doc, value.remarks, left, posY, { width, size: 8, bold: true });
    posY += 12 + block(doc, data.remarks, left, posY + 12, { width, size: SIZE, maxLines: 4 }) + 6;
  }

  // Signature boxes stay together on one page.
  const boxH = 90;
  posY = ensureSpace(doc, posY + 10, boxH + 4);
  const boxW = (width - 20) / 3;
  [value.consignorSignature, value.carrierSignature, value.consigneeSignature].forEach((caption, index) => {
    const posX = left + index * (boxW + 10);
    doc.save().lineWidth(0.75).rect(posX, posY, boxW, boxH).stroke().restore();
    // "Consignor (signature, stamp)": the party in bold, what to put there on the next line.
    const cut = caption.indexOf(' (');
    line(doc, cut < 0 ? caption : caption.slice(0, cut), posX + 4, posY + 4, { width: boxW - 8, size: 8, bold: true });
    if (cut >= 0) line(doc, caption.slice(cut + 1), posX + 4, posY + 15, { width: boxW - 8, size: 7 });
    line(doc, `${value.date}: ____________`, posX + 4, posY + boxH - 14, { width: boxW - 8, size: 7.5 });
  });

  pageFooters(
    doc,
    (n, m) => fill(value.page, { n, m }),
    `${value.waybill} ${value.documentNumber} ${data.documentNumber}`,
  );
  return finish();
}
