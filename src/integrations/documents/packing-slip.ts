import { captions, fill } from './i18n.js';
import { addressLines, block, captionedLines, layoutRows, line, openDocument, pageFooters, REGULAR, rule } from './pdf.js';
import { packingSlipSchema, parseDocumentInput } from './schemas.js';
import type { PackingSlipData, PackingSlipLine } from './types.js';

const MARGIN = 40;
const SIZE = 9;

/**
 * Renders an A4 packing slip: order number and date, customer, ship-to (and ship-from)
 * addresses, then the lines (no., SKU, product, quantity); the table continues onto further
 * pages with its header repeated, and every page says "Page n of m".
 * Throws DOCUMENT_INPUT_INVALID on bad input.
 */
export async function renderPackingSlip(input: PackingSlipData): Promise<Buffer> {
  const data = parseDocumentInput(packingSlipSchema, input, 'packing slip');
  const t = captions(data.locale);
  const { doc, finish } = openDocument(data, { size: 'A4', margin: MARGIN, title: `${t.packingSlip} ${data.orderNumber}`, bufferPages: true });
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const right = left + width;

  line(doc, t.packingSlip, left, MARGIN, { width: width / 2, size: 18, bold: true });
  line(doc, `${t.order}: ${data.orderNumber}`, left + width / 2, MARGIN, { width: width / 2, size: 12, bold: true, align: 'right' });
  line(doc, `${t.orderDate}: ${data.orderDate}`, left + width / 2, MARGIN + 17, { width: width / 2, size: SIZE, align: 'right' });
  if (data.shipmentReference) {
    line(doc, `${t.shipment}: ${data.shipmentReference}`, left + width / 2, MARGIN + 30, { width: width / 2, size: SIZE, align: 'right' });
  }
  rule(doc, left, right, MARGIN + 46, 1.5);

  const top = MARGIN + 54;
  const col = (width - 20) / 3;
  const customer = [data.customer.name, data.customer.email, data.customer.phone && `${t.tel} ${data.customer.phone}`].filter((s): s is string => !!s);
  const bottoms = [
    captionedLines(doc, t.customer, customer, left, top, { width: col, size: SIZE }),
    captionedLines(doc, t.shipTo, addressLines(data.shipTo, t.tel), left + col + 10, top, { width: col, size: SIZE }),
    data.shipFrom ? captionedLines(doc, t.shipFrom, addressLines(data.shipFrom), left + 2 * (col + 10), top, { width: col, size: SIZE }) : top,
  ];

  // Columns: no. | SKU | product (wraps) | qty
  const cNo = { x: left, w: 28 };
  const cSku = { x: left + 30, w: 120 };
  const cQty = { x: right - 50, w: 50 };
  const cName = { x: cSku.x + cSku.w + 6, w: cQty.x - (cSku.x + cSku.w + 6) - 6 };
  const header = (y: number, continued: boolean): number => {
    if (continued) {
      line(doc, `${t.packingSlip} — ${t.order} ${data.orderNumber} (${t.continued})`, left, y, { width, size: SIZE });
      y += 16;
    }
    doc.save().rect(left, y, width, 16).fill('#eeeeee').restore();
    line(doc, '#', cNo.x + 2, y + 4, { width: cNo.w, size: 8, bold: true });
    line(doc, t.sku, cSku.x, y + 4, { width: cSku.w, size: 8, bold: true });
    line(doc, t.product, cName.x, y + 4, { width: cName.w, size: 8, bold: true });
    line(doc, t.quantity, cQty.x, y + 4, { width: cQty.w - 2, size: 8, bold: true, align: 'right' });
    return y + 20;
  };
  const nameHeight = (l: PackingSlipLine) => {
    doc.font(REGULAR).fontSize(SIZE);
    return Math.min(doc.heightOfString(l.name, { width: cName.w }), doc.currentLineHeight(true) * 3);
  };

  let y = layoutRows(doc, data.lines, {
    startY: Math.max(...bottoms) + 12,
    header,
    heightOf: (l) => nameHeight(l) + 8,
    draw: (l, y, i) => {
      line(doc, String(i + 1), cNo.x + 2, y, { width: cNo.w, size: SIZE });
      line(doc, l.sku, cSku.x, y, { width: cSku.w, size: SIZE });
      block(doc, l.name, cName.x, y, { width: cName.w, size: SIZE, maxLines: 3 });
      line(doc, String(l.quantity), cQty.x, y, { width: cQty.w - 2, size: SIZE, bold: true, align: 'right' });
      doc.save().strokeColor('#cccccc');
      rule(doc, left, right, y + nameHeight(l) + 4, 0.5);
      doc.restore();
    },
  });

  const total = data.lines.reduce((s, l) => s + l.quantity, 0);
  const summaryHeight = 40 + (data.note ? 60 : 0);
  if (y + summaryHeight > doc.page.height - MARGIN) { doc.addPage(); y = MARGIN; }
  rule(doc, left, right, y + 2, 1);
  line(doc, `${t.lines}: ${data.lines.length}`, left, y + 8, { width: width / 2, size: SIZE });
  line(doc, `${t.totalQuantity}: ${total}`, left + width / 2, y + 8, { width: width / 2, size: SIZE, bold: true, align: 'right' });
  if (data.note) {
    line(doc, t.note, left, y + 28, { width, size: 8, bold: true });
    block(doc, data.note, left, y + 40, { width, size: SIZE, maxLines: 4 });
  }

  pageFooters(doc, (n, m) => fill(t.page, { n, m }), `${t.order} ${data.orderNumber}`);
  return finish();
}
