/**
 * The local carrier servers' plumbing (integrations/testing/fake-http.ts) with what carriers add:
 * a shipment's status history for tracking. Each carrier's fake supplies only its routes and error
 * bodies.
 */
import { startFakeHttp, type FakeHttpRoutes, type FakeHttpServer } from '../../testing/fake-http.js';

export type { FakeFailure, FakeReply, RecordedRequest } from '../../testing/fake-http.js';

export interface FakeCarrierServer extends FakeHttpServer {
  /** Appends carrier statuses to the shipment's history, oldest first; track returns them. */
  pushStatuses(carrierShipmentId: string, statuses: string[]): void;
  shipmentCount(): number;
}

export interface FakeRoutes extends FakeHttpRoutes {
  pushStatuses(carrierShipmentId: string, statuses: string[]): void;
  shipmentCount(): number;
}

export async function startFakeServer(routes: FakeRoutes): Promise<FakeCarrierServer> {
  const server = await startFakeHttp(routes, { serverErrorStatus: 500, malformedBody: '{"id": 12, "status": ' });
  return {
    ...server,
    pushStatuses: (id, statuses) => routes.pushStatuses(id, statuses),
    shipmentCount: () => routes.shipmentCount(),
  };
}

/** A small but well-formed PDF, enough for "is this a PDF" checks by clients. */
export function tinyPdf(text: string): Buffer {
  const safe = text.replace(/[()\\]/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 298 420] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${`BT /F1 12 Tf 20 380 Td (${safe}) Tj ET`.length} >>\nstream\nBT /F1 12 Tf 20 380 Td (${safe}) Tj ET\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A ZPL label; ^CI28 switches the printer to UTF-8 so Ł and Ж print. */
export const tinyZpl = (lines: string[]): string =>
  `^XA^CI28${lines.map((l, i) => `^FO40,${40 + i * 50}^A0N,40,40^FD${l}^FS`).join('')}^XZ`;
