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
  return [...lines].sort((a, b) =>
    collator.compare(a.zone, b.zone) || collator.compare(a.bin, b.bin) || collator.compare(a.sku, b.sku));
}

/**
 * Renders an A4 pick list for one location: lines sorted by zone and bin, each with a
 * checkbox, the SKU as Code128, product name, lot / serial instructions and quantity.
 * Throws DOCUMENT_INPUT_INVALID on bad input (including SKUs Code128 cannot carry).
 */
export async function renderPickList(input: PickListData): Promise<Buffer> {
  const data = parseDocumentInput(pickListSchema, input, 'pick list');
  const t = captions(data.locale);
  const lines = sortPickLines(data.lines);
  // One barcode per distinct SKU: batch pick lists repeat SKUs across orders.
  const skus = [...new Set(lines.map((l) => l.sku))];
  const codes = new Map(skus.map((s) => [s, code128(s)] as const));

  const { doc, finish } = openDocument(data, { size: 'A4', margin: MARGIN, title: `${t.pickList} ${data.pickListNumber}`, bufferPages: true });
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;
  const right = left + width;

  line(doc, `${t.pickList} ${data.pickListNumber}`, left, MARGIN, { width: width * 0.6, size: 16, bold: true });
  line(doc, `${t.location}: ${data.location.code} — ${data.location.name}`, left, MARGIN + 22, { width: width * 0.7, size: 10, bold: true });
  const meta = [data.createdAt && `${t.created}: ${data.createdAt}`, data.picker && `${t.picker}: ${data.picker}`].filter((s): s is string => !!s);
  meta.forEach((m, i) => line(doc, m, left + width * 0.6, MARGIN + i * 13, { width: width * 0.4, size: 8, align: 'right' }));
  rule(doc, left, right, MARGIN + 40, 1.5);

  const c = {
    box: { x: left, w: 18 },
    zone: { x: left + 22, w: 44 },
    bin: { x: left + 68, w: 70 },
    sku: { x: left + 140, w: 150 },
    name: { x: left + 296, w: width - 296 - 56 },
    qty: { x: right - 52, w: 50 },
  };
  const header = (y: number, continued: boolean): number => {
    if (continued) {
      line(doc, `${t.pickList} ${data.pickListNumber} — ${data.location.code} (${t.continued})`, left, y, { width, size: SIZE });
      y += 16;
    }
    doc.save().rect(left, y, width, 16).fill('#eeeeee').restore();
    const h = (s: string, col: { x: number; w: number }, align: 'left' | 'right' = 'left') =>
      line(doc, s, col.x + 2, y + 4, { width: col.w - 2, size: 7.5, bold: true, align });
    h('✓', c.box);
    h(t.zone, c.zone);
    h(t.bin, c.bin);
    h(t.sku, c.sku);
    h(t.product, c.name);
    h(t.quantity, c.qty, 'right');
    return y + 20;
  };

  const y = layoutRows(doc, lines, {
    startY: MARGIN + 48,
    header,
    heightOf: () => ROW,
    draw: (l, y) => {
      checkbox(doc, c.box.x + 3, y + 2, 12);
      line(doc, l.zone, c.zone.x + 2, y + 2, { width: c.zone.w - 2, size: 11, bold: true });
      line(doc, l.bin, c.bin.x + 2, y + 2, { width: c.bin.w - 2, size: 11, bold: true });
      drawBarcode(doc, codes.get(l.sku)!, { x: c.sku.x, y: y + 2, width: c.sku.w - 6, height: 28 }, { align: 'left', maxModule: 1.5 });
      line(doc, l.sku, c.sku.x, y + 32, { width: c.sku.w - 6, size: 8 });
      doc.font(REGULAR);
      block(doc, l.name, c.name.x, y + 2, { width: c.name.w - 4, size: SIZE, maxLines: 2 });
      const notes = [
        l.lot && `${t.lot}: ${l.lot}`,
        l.serialRequired && t.scanSerial,
        l.orderNumber && `${t.order}: ${l.orderNumber}`,
      ].filter((s): s is string => !!s).join(' · ');
      if (notes) block(doc, notes, c.name.x, y + 25, { width: c.name.w - 4, size: 7, maxLines: 2 });
      line(doc, String(l.quantity), c.qty.x, y + 2, { width: c.qty.w - 2, size: 14, bold: true, align: 'right' });
      line(doc, `${t.picked}: ____`, c.qty.x - 30, y + 32, { width: c.qty.w + 28, size: 7, align: 'right' });
      doc.save().strokeColor('#cccccc');
      rule(doc, left, right, y + ROW - 4, 0.5);
      doc.restore();
    },
  });

  const total = lines.reduce((s, l) => s + l.quantity, 0);
  const summaryY = ensureSpace(doc, y, 20);
  line(doc, `${t.lines}: ${lines.length} · ${t.totalQuantity}: ${total}`, left, summaryY + 4, { width, size: SIZE, bold: true });
  pageFooters(doc, (n, m) => fill(t.page, { n, m }), `${t.pickList} ${data.pickListNumber}`);
  return finish();
}
