/**
 * The plumbing shared by the local carrier servers: request log, failure switches, clean
 * shutdown. Each carrier's fake supplies only its routes and error bodies.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeFailure =
  /** 4xx with the carrier's own error body and messages. */
  | 'reject'
  | 'unauthorized'
  | 'server-error'
  /** Never answers; the client must time out. */
  | 'hang'
  /** 200 with a body that is not JSON. */
  | 'malformed'
  /** 200 with JSON of the wrong shape. */
  | 'bad-shape'
  /** Performs the request (the shipment exists) and then drops the connection: the response is lost. */
  | 'drop-after-processing';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Decoded as UTF-8, so tests can check Polish and Cyrillic arrived intact. */
  body: string;
}

export interface FakeReply {
  status: number;
  json?: unknown;
  body?: Buffer | string;
  contentType?: string;
}

export interface FakeCarrierServer {
  url: string;
  requests: RecordedRequest[];
  /** The next `times` non-auth requests (matching `when`, if given) fail this way. */
  failNext(failure: FakeFailure, times?: number, when?: (req: RecordedRequest) => boolean): void;
  clearFailures(): void;
  /** Appends carrier statuses to the shipment's history, oldest first; track returns them. */
  pushStatuses(carrierShipmentId: string, statuses: string[]): void;
  shipmentCount(): number;
  close(): Promise<void>;
}

export interface FakeRoutes {
  /** Token endpoints are exempt from failNext so failures hit the operation under test. */
  isAuthPath?(path: string): boolean;
  route(req: RecordedRequest): FakeReply | Promise<FakeReply>;
  rejection(): FakeReply;
  unauthorized(): FakeReply;
  pushStatuses(carrierShipmentId: string, statuses: string[]): void;
  shipmentCount(): number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, reply: FakeReply): void {
  if (reply.json !== undefined) {
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(reply.json));
    return;
  }
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain; charset=utf-8' });
  res.end(reply.body ?? '');
}

export async function startFakeServer(routes: FakeRoutes): Promise<FakeCarrierServer> {
  const requests: RecordedRequest[] = [];
  const pending: { failure: FakeFailure; when?: (req: RecordedRequest) => boolean }[] = [];
  const takeFailure = (rec: RecordedRequest): FakeFailure | undefined => {
    if (routes.isAuthPath?.(rec.path)) return undefined;
    const i = pending.findIndex((p) => !p.when || p.when(rec));
    return i < 0 ? undefined : pending.splice(i, 1)[0]?.failure;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: await readBody(req),
      };
      requests.push(rec);
      const failure = takeFailure(rec);
      switch (failure) {
        case 'hang':
          return; // left open until close() destroys it
        case 'reject':
          return write(res, routes.rejection());
        case 'unauthorized':
          return write(res, routes.unauthorized());
        case 'server-error':
          return write(res, {
            status: 500,
            body: '<html><body>500 Internal Server Error</body></html>',
            contentType: 'text/html',
          });
        case 'malformed':
          return write(res, { status: 200, body: '{"id": 12, "status": ', contentType: 'application/json' });
        case 'bad-shape':
          return write(res, { status: 200, json: { unexpected: ['shape'] } });
        case 'drop-after-processing':
          await routes.route(rec);
          req.socket.destroy();
          return;
        case undefined:
          return write(res, await routes.route(rec));
      }
    })().catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake server bug: ${String(e)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(failure, times = 1, when) {
      for (let i = 0; i < times; i++) pending.push(when ? { failure, when } : { failure });
    },
    clearFailures: () => void pending.splice(0),
    pushStatuses: (id, statuses) => routes.pushStatuses(id, statuses),
    shipmentCount: () => routes.shipmentCount(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
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
