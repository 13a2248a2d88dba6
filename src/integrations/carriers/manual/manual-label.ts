/**
 * The default own-fleet label: tracking number as Code128 plus addresses, in DejaVu so Ł and
 * Ж print. The documents module can replace it through `renderLabel`.
 */
import { createRequire } from 'node:module';
import { bwip } from '../../documents/barcodes.js';
import { pdfDocumentClass } from '../../documents/pdf.js';
import type { Address, LabelFormat } from '../types.js';

const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');

export interface ManualLabelData {
  trackingNumber: string;
  reference: string;
  sender: Address;
  receiver: Address;
  parcels: number;
  /** Set on a return label: the customer sends, we receive, from this drop-off point if any. */
  return?: { dropOffPoint?: string };
}

const RETURN_TITLE = 'ZWROT / ВОЗВРАТ / RETURN';
const dropOffLine = (point: string) => `Punkt nadania / Пункт сдачи / Drop-off: ${point}`;

const lines = (a: Address) => [
  a.company ? `${a.company}, ${a.name}` : a.name,
  `${a.street} ${a.buildingNumber}${a.flat ? `/${a.flat}` : ''}`,
  `${a.postalCode} ${a.city}, ${a.countryCode}`,
  ...(a.phone ? [a.phone] : []),
];

export async function renderManualLabel(manualLabel: ManualLabelData, format: LabelFormat): Promise<Buffer> {
  if (format === 'zpl') {
    // ^CI28: UTF-8 field data, so names keep their diacritics and Cyrillic.
    const field = (y: number, text: string, size = 30) =>
      `^FO40,${y}^A0N,${size},${size}^FD${text.replace(/[\^~]/g, ' ')}^FS`;
    const to = lines(manualLabel.receiver).map((l, i) => field(300 + i * 40, l));
    const from = lines(manualLabel.sender).map((l, i) => field(560 + i * 30, l, 22));
    const ret = manualLabel.return
      ? field(250, RETURN_TITLE, 34) +
        (manualLabel.return.dropOffPoint ? field(760, dropOffLine(manualLabel.return.dropOffPoint), 22) : '')
      : '';
    return Buffer.from(
      `^XA^CI28^FO40,40^BY3^BCN,160,Y,N,N^FD${manualLabel.trackingNumber}^FS${ret}${to.join('')}${from.join('')}${field(720, manualLabel.reference, 22)}^XZ`,
      'utf8',
    );
  }
  const barcode = await bwip().toBuffer({
    bcid: 'code128',
    text: manualLabel.trackingNumber,
    scale: 2,
    height: 14,
    includetext: true,
  });
  const doc = new (pdfDocumentClass())({ size: 'A6', margin: 18 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.font(FONT);
  doc.image(barcode, { width: 220 });
  doc.fontSize(12).text(manualLabel.trackingNumber);
  if (manualLabel.return) {
    doc.moveDown(0.3).fontSize(13).text(RETURN_TITLE);
    if (manualLabel.return.dropOffPoint) doc.fontSize(9).text(dropOffLine(manualLabel.return.dropOffPoint));
  }
  doc.moveDown(0.5).fontSize(8).text('Odbiorca / Получатель / Receiver');
  doc.fontSize(11).text(lines(manualLabel.receiver).join('\n'));
  doc.moveDown(0.5).fontSize(8).text('Nadawca / Отправитель / Sender');
  doc.fontSize(9).text(lines(manualLabel.sender).join('\n'));
  doc.moveDown(0.5).fontSize(8).text(`${manualLabel.reference} · ${manualLabel.parcels} parcel(s)`);
  doc.end();
  return done;
}
