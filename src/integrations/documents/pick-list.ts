import { code128, drawBarcode } from './barcodes.js';
import { captions, fill } from './i18n.js';
import { block, checkbox, ensureSpace, layoutRows, line, openDocument, pageFooters, REGULAR, rule } from './pdf.js';
import { parseDocumentInput, pickListSchema } from './schemas.js';
import type { PickListData, PickListLine } from './types.js';

const MARGIN = 36;
const SIZE = 9;
const ROW = 50;

// Numeric collation so bin A-2 comes before A-10; a fixed locale keeps the walk order the
// same whatever language the captions are in.
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** The walk order: zone, then bin, then SKU. */
export function sortPickLines(lines: readonly PickListLine[]): PickListLine[] {
  return [...lines].sort(
    (a, b) => collator.compare(a.zone, b.zone) || collator.compare(a.bin, b.bin) || collator.compare(a.sku, b.sku),
  );
}

/**
 * Renders an A4 pick list for one location: lines sorted by zone and bin, each with a
 * checkbox, the SKU as Code128, product name, lot / serial instructions and quantity.
 * Throws DOCUMENT_INPUT_INVALID on bad input (including SKUs Code128 cannot carry).
 */
export async function renderPickList(input: PickListData): Promise<Buffer> {
  return renderPickLists([input]);
}

/** Several pick lists in one PDF (the console's bulk print): each on new pages, counting its own. */
export async function renderPickLists(inputs: readonly PickListData[]): Promise<Buffer> {
  const lists = inputs.map((input) => parseDocumentInput(pickListSchema, input, 'pick list'));
  const first = lists[0];
  if (!first) throw new Error('renderPickLists needs at least one pick list');
  const value = captions(first.locale);
  const { doc, finish } = openDocument(first, {
    size: 'A4',
    margin: MARGIN,
    title: lists.length === 1 ? `${value.pickList} ${first.pickListNumber}` : value.pickList,
    bufferPages: true,
  });
  lists.forEach((data, index) => {
    if (index > 0) doc.addPage();
    drawPickList(doc, data);
  });
  return finish();
}

function drawPickList(doc: PDFKit.PDFDocument, data: PickListData): void {
  const value = captions(data.locale);
  const range = doc.bufferedPageRange();
  const firstPage = range.start + range.count - 1;
  const lines = sortPickLines(data.lines);
  // One barcode per distinct SKU: batch pick lists repeat SKUs across orders.
  const skus = [...new Set(lines.map((l) => l.sku))];
  const codes = new Map(skus.map((s) => [s, code128(s)] as const));

  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const right = left + width;

  line(doc, `${value.pickList} ${data.pickListNumber}`, left, MARGIN, { width: width * 0.6, size: 16, bold: true });
  line(doc, `${value.location}: ${data.location.code} — ${data.location.name}`, left, MARGIN + 22, {
    width: width * 0.7,
    size: 10,
    bold: true,
  });
  const meta = [
    data.createdAt && `${value.created}: ${data.createdAt}`,
    data.picker && `${value.picker}: ${data.picker}`,
  ].filter((s): s is string => !!s);
  meta.forEach((m, i) =>
    line(doc, m, left + width * 0.6, MARGIN + i * 13, { width: width * 0.4, size: 8, align: 'right' }),
  );
  rule(doc, left, right, MARGIN + 40, 1.5);

  const columns = {
    box: { x: left, w: 18 },
    zone: { x: left + 22, w: 44 },
    bin: { x: left + 68, w: 70 },
    sku: { x: left + 140, w: 150 },
    name: { x: left + 296, w: width - 296 - 56 },
    qty: { x: right - 52, w: 50 },
  };
  const header = (posY: number, continued: boolean): number => {
    if (continued) {
      line(doc, `${value.pickList} ${data.pickListNumber} — ${data.location.code} (${value.continued})`, left, posY, {
        width,
        size: SIZE,
      });
      posY += 16;
    }
    doc.save().rect(left, posY, width, 16).fill('#eeeeee').restore();
    const cell = (s: string, col: { x: number; w: number }, align: 'left' | 'right' = 'left') =>
      line(doc, s, col.x + 2, posY + 4, { width: col.w - 2, size: 7.5, bold: true, align });
    cell('✓', columns.box);
    cell(value.zone, columns.zone);
    cell(value.bin, columns.bin);
    cell(value.sku, columns.sku);
    cell(value.product, columns.name);
    cell(value.quantity, columns.qty, 'right');
    return posY + 20;
  };

  const rows = layoutRows(doc, lines, {
    startY: MARGIN + 48,
    header,
    heightOf: () => ROW,
    draw: (pickListLine, posY) => {
      checkbox(doc, columns.box.x + 3, posY + 2, 12);
      line(doc, pickListLine.zone, columns.zone.x + 2, posY + 2, { width: columns.zone.w - 2, size: 11, bold: true });
      line(doc, pickListLine.bin, columns.bin.x + 2, posY + 2, { width: columns.bin.w - 2, size: 11, bold: true });
      drawBarcode(
        doc,
        codes.get(pickListLine.sku)!,
        { x: columns.sku.x, y: posY + 2, width: columns.sku.w - 6, height: 28 },
        { align: 'left', maxModule: 1.5 },
      );
      line(doc, pickListLine.sku, columns.sku.x, posY + 32, { width: columns.sku.w - 6, size: 8 });
      doc.font(REGULAR);
      block(doc, pickListLine.name, columns.name.x, posY + 2, { width: columns.name.w - 4, size: SIZE, maxLines: 2 });
      const notes = [
        pickListLine.lot && `${value.lot}: ${pickListLine.lot}`,
        pickListLine.serialRequired && value.scanSerial,
        pickListLine.orderNumber && `${value.order}: ${pickListLine.orderNumber}`,
      ]
        .filter((s): s is string => !!s)
        .join(' · ');
      if (notes) block(doc, notes, columns.name.x, posY + 25, { width: columns.name.w - 4, size: 7, maxLines: 2 });
      line(doc, String(pickListLine.quantity), columns.qty.x, posY + 2, {
        width: columns.qty.w - 2,
        size: 14,
        bold: true,
        align: 'right',
      });
      line(doc, `${value.picked}: ____`, columns.qty.x - 30, posY + 32, {
        width: columns.qty.w + 28,
        size: 7,
        align: 'right',
      });
      doc.save().strokeColor('#cccccc');
      rule(doc, left, right, posY + ROW - 4, 0.5);
      doc.restore();
    },
  });

  const total = lines.reduce((s, l) => s + l.quantity, 0);
  const summaryY = ensureSpace(doc, rows, 20);
  line(doc, `${value.lines}: ${lines.length} · ${value.totalQuantity}: ${total}`, left, summaryY + 4, {
    width,
    size: SIZE,
    bold: true,
  });
  pageFooters(doc, (n, m) => fill(value.page, { n, m }), `${value.pickList} ${data.pickListNumber}`, firstPage);
}
