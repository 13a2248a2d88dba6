import { captions, fill } from './i18n.js';
import {
  addressLines,
  block,
  captionedLines,
  layoutRows,
  line,
  openDocument,
  pageFooters,
  REGULAR,
  rule,
} from './pdf.js';
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
  return renderPackingSlips([input]);
}

/**
 * Several packing slips in one PDF to print in one go (the console's bulk print): each starts on
 * a new page and counts its own pages. The first slip's language titles the file.
 */
export async function renderPackingSlips(inputs: readonly PackingSlipData[]): Promise<Buffer> {
  const slips = inputs.map((input) => parseDocumentInput(packingSlipSchema, input, 'packing slip'));
  const first = slips[0];
  if (!first) throw new Error('renderPackingSlips needs at least one packing slip');
  const value = captions(first.locale);
  const { doc, finish } = openDocument(first, {
    size: 'A4',
    margin: MARGIN,
    title: slips.length === 1 ? `${value.packingSlip} ${first.orderNumber}` : value.packingSlip,
    bufferPages: true,
  });
  slips.forEach((data, index) => {
    if (index > 0) doc.addPage();
    drawPackingSlip(doc, data);
  });
  return finish();
}

function drawPackingSlip(doc: PDFKit.PDFDocument, data: PackingSlipData): void {
  const value = captions(data.locale);
  const range = doc.bufferedPageRange();
  const firstPage = range.start + range.count - 1;
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const right = left + width;

  line(doc, value.packingSlip, left, MARGIN, { width: width / 2, size: 18, bold: true });
  line(doc, `${value.order}: ${data.orderNumber}`, left + width / 2, MARGIN, {
    width: width / 2,
    size: 12,
    bold: true,
    align: 'right',
  });
  line(doc, `${value.orderDate}: ${data.orderDate}`, left + width / 2, MARGIN + 17, {
    width: width / 2,
    size: SIZE,
    align: 'right',
  });
  if (data.shipmentReference) {
    line(doc, `${value.shipment}: ${data.shipmentReference}`, left + width / 2, MARGIN + 30, {
      width: width / 2,
      size: SIZE,
      align: 'right',
    });
  }
  rule(doc, left, right, MARGIN + 46, 1.5);

  const top = MARGIN + 54;
  const col = (width - 20) / 3;
  const customer = [
    data.customer.name,
    data.customer.email,
    data.customer.phone && `${value.tel} ${data.customer.phone}`,
  ].filter((s): s is string => !!s);
  const bottoms = [
    captionedLines(doc, value.customer, customer, left, top, { width: col, size: SIZE }),
    captionedLines(doc, value.shipTo, addressLines(data.shipTo, value.tel), left + col + 10, top, {
      width: col,
      size: SIZE,
    }),
    data.shipFrom
      ? captionedLines(doc, value.shipFrom, addressLines(data.shipFrom), left + 2 * (col + 10), top, {
          width: col,
          size: SIZE,
        })
      : top,
  ];

  // Columns: no. | SKU | product (wraps) | qty
  const cNo = { x: left, w: 28 };
  const cSku = { x: left + 30, w: 120 };
  const cQty = { x: right - 50, w: 50 };
  const cName = { x: cSku.x + cSku.w + 6, w: cQty.x - (cSku.x + cSku.w + 6) - 6 };
  const header = (posY: number, continued: boolean): number => {
    if (continued) {
      line(doc, `${value.packingSlip} — ${value.order} ${data.orderNumber} (${value.continued})`, left, posY, {
        width,
        size: SIZE,
      });
      posY += 16;
    }
    doc.save().rect(left, posY, width, 16).fill('#eeeeee').restore();
    line(doc, '#', cNo.x + 2, posY + 4, { width: cNo.w, size: 8, bold: true });
    line(doc, value.sku, cSku.x, posY + 4, { width: cSku.w, size: 8, bold: true });
    line(doc, value.product, cName.x, posY + 4, { width: cName.w, size: 8, bold: true });
    line(doc, value.quantity, cQty.x, posY + 4, { width: cQty.w - 2, size: 8, bold: true, align: 'right' });
    return posY + 20;
  };
  const nameHeight = (packingSlipLine: PackingSlipLine) => {
    doc.font(REGULAR).fontSize(SIZE);
    return Math.min(doc.heightOfString(packingSlipLine.name, { width: cName.w }), doc.currentLineHeight(true) * 3);
  };

  let rows = layoutRows(doc, data.lines, {
    startY: Math.max(...bottoms) + 12,
    header,
    heightOf: (l) => nameHeight(l) + 8,
    draw: (packingSlipLine, posY, index) => {
      line(doc, String(index + 1), cNo.x + 2, posY, { width: cNo.w, size: SIZE });
      line(doc, packingSlipLine.sku, cSku.x, posY, { width: cSku.w, size: SIZE });
      block(doc, packingSlipLine.name, cName.x, posY, { width: cName.w, size: SIZE, maxLines: 3 });
      line(doc, String(packingSlipLine.quantity), cQty.x, posY, {
        width: cQty.w - 2,
        size: SIZE,
        bold: true,
        align: 'right',
      });
      doc.save().strokeColor('#cccccc');
      rule(doc, left, right, posY + nameHeight(packingSlipLine) + 4, 0.5);
      doc.restore();
    },
  });

  const total = data.lines.reduce((s, l) => s + l.quantity, 0);
  const summaryHeight = 40 + (data.note ? 60 : 0);
  if (rows + summaryHeight > doc.page.height - MARGIN) {
    doc.addPage();
    rows = MARGIN;
  }
  rule(doc, left, right, rows + 2, 1);
  line(doc, `${value.lines}: ${data.lines.length}`, left, rows + 8, { width: width / 2, size: SIZE });
  line(doc, `${value.totalQuantity}: ${total}`, left + width / 2, rows + 8, {
    width: width / 2,
    size: SIZE,
    bold: true,
    align: 'right',
  });
  if (data.note) {
    line(doc, value.note, left, rows + 28, { width, size: 8, bold: true });
    block(doc, data.note, left, rows + 40, { width, size: SIZE, maxLines: 4 });
  }

  pageFooters(doc, (n, m) => fill(value.page, { n, m }), `${value.order} ${data.orderNumber}`, firstPage);
}
