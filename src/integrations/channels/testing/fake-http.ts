/**
 * The plumbing shared by the local channel servers (each speaks one channel's published
 * format): request log, failure switches, clean shutdown. Each channel's fake supplies only
 * its routes and error bodies.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeFailure =
  /** 4xx with the channel's own error body. */
  | 'reject'
  | 'unauthorized'
  | 'server-error'
  /** 429 with Retry-After: 1. */
  | 'rate-limited'
  /** Never answers; the client must time out. */
  | 'hang'
  /** 200 with a body that is not JSON. */
  | 'malformed'
  /** 200 with JSON of the wrong shape. */
  | 'bad-shape';

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

export interface FakeChannelServer {
  url: string;
  requests: RecordedRequest[];
  /** The next `times` non-auth requests (matching `when`, if given) fail this way. */
  failNext(failure: FakeFailure, times?: number, when?: (req: RecordedRequest) => boolean): void;
  clearFailures(): void;
  close(): Promise<void>;
}

export interface FakeRoutes {
  /** Token endpoints are exempt from failNext so failures hit the operation under test. */
  isAuthPath?(path: string): boolean;
  route(req: RecordedRequest): FakeReply | Promise<FakeReply>;
  rejection(): FakeReply;
  unauthorized(): FakeReply;
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

export async function startFakeServer(routes: FakeRoutes): Promise<FakeChannelServer> {
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
        case 'server-error':
          return write(res, {
            status: 503,
            body: '<html><body>503 Service Unavailable</body></html>',
            contentType: 'text/html',
          });
        case 'rate-limited':
          return write(res, { status: 429, json: { message: 'Too Many Requests' }, headers: { 'retry-after': '1' } });
        case 'malformed':
          return write(res, { status: 200, body: '{"orders": [', contentType: 'application/json' });
        case 'bad-shape':
          return write(res, { status: 200, json: { unexpected: ['shape'] } });
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
      for (let i = 0; i < times; i++) pending.push(when ? { failure, when } : { failure });
    },
    clearFailures: () => void pending.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
