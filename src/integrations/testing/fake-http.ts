/**
 * The plumbing shared by the local partner servers that tests run (carriers, marketplaces and
 * shops, payment providers; each speaks its partner's published format): request log, failure
 * switches, clean shutdown. Each fake supplies only its routes, its error bodies and what its
 * failures look like where partners differ (a 500 or a 503, the cut-off body).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeFailure =
  /** 4xx with the partner's own error body and messages. */
  | 'reject'
  | 'unauthorized'
  /** 5xx with an HTML page, as a proxy in front of the partner answers. */
  | 'server-error'
  /** 429 with Retry-After: 1. */
  | 'rate-limited'
  /** Never answers; the client must time out. */
  | 'hang'
  /** 200 with a body that is not JSON. */
  | 'malformed'
  /** 200 with JSON of the wrong shape. */
  | 'bad-shape'
  /** Performs the request (the shipment or payment exists) and then drops the connection: the response is lost. */
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
  headers?: Record<string, string>;
}

export interface FakeHttpServer {
  url: string;
  requests: RecordedRequest[];
  /** The next `times` non-auth requests (matching `when`, if given) fail this way. */
  failNext(failure: FakeFailure, times?: number, when?: (req: RecordedRequest) => boolean): void;
  clearFailures(): void;
  close(): Promise<void>;
}

export interface FakeHttpRoutes {
  /** Token endpoints are exempt from failNext so failures hit the operation under test. */
  isAuthPath?(path: string): boolean;
  route(req: RecordedRequest): FakeReply | Promise<FakeReply>;
  rejection(): FakeReply;
  unauthorized(): FakeReply;
}

/** How this partner's failures look: the 5xx status and the body cut off mid-JSON. */
export interface FakeFailureLooks {
  serverErrorStatus: 500 | 503;
  malformedBody: string;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, reply: FakeReply): void {
  if (reply.json !== undefined) {
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
    res.end(JSON.stringify(reply.json));
    return;
  }
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain; charset=utf-8', ...reply.headers });
  res.end(reply.body ?? '');
}

const STATUS_TEXT = { 500: 'Internal Server Error', 503: 'Service Unavailable' } as const;

/** Starts a partner's fake on an ephemeral port of 127.0.0.1. */
export async function startFakeHttp(routes: FakeHttpRoutes, looks: FakeFailureLooks): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  const pending: { failure: FakeFailure; when?: (req: RecordedRequest) => boolean }[] = [];
  const takeFailure = (rec: RecordedRequest): FakeFailure | undefined => {
    if (routes.isAuthPath?.(rec.path)) return undefined;
    const index = pending.findIndex((p) => !p.when || p.when(rec));
    return index < 0 ? undefined : pending.splice(index, 1)[0]?.failure;
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
      switch (takeFailure(rec)) {
        case 'hang':
          return; // left open until close() destroys it
        case 'reject':
          return write(res, routes.rejection());
        case 'unauthorized':
          return write(res, routes.unauthorized());
        case 'server-error': {
          const status = looks.serverErrorStatus;
          return write(res, {
            status,
            body: `<html><body>${status} ${STATUS_TEXT[status]}</body></html>`,
            contentType: 'text/html',
          });
        }
        case 'rate-limited':
          return write(res, { status: 429, json: { message: 'Too Many Requests' }, headers: { 'retry-after': '1' } });
        case 'malformed':
          return write(res, { status: 200, body: looks.malformedBody, contentType: 'application/json' });
        case 'bad-shape':
          return write(res, { status: 200, json: { unexpected: ['shape'] } });
        case 'drop-after-processing':
          await routes.route(rec);
          req.socket.destroy();
          return;
        case undefined:
          return write(res, await routes.route(rec));
      }
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake server bug: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(failure, times = 1, when) {
      for (let count = 0; count < times; count++) pending.push(when ? { failure, when } : { failure });
    },
    clearFailures: () => void pending.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
