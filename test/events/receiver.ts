import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '../../src/integrations/webhooks/signature.js';

export interface Delivery {
  id: string;
  attempt: number;
  deliveryId: string;
  type: string;
  subject: string;
  body: Record<string, any>;
  signatures: number;
}

/** What the receiver does with one request: answer ok, fail with a status, or stall `ms` first. */
export type Behaviour = (d: Delivery, nthForId: number) => { status: number; body?: string; stallMs?: number };

/**
 * A real HTTP endpoint on 127.0.0.1 that verifies Standard Webhooks signatures and, like a
 * careful receiver, handles each webhook-id once (a redelivery of a handled id is acknowledged
 * and ignored). `handled` is the order in which events took effect.
 */
export async function startReceiver(secrets: () => string[], behaviour: Behaviour = () => ({ status: 200 })) {
  const requests: Delivery[] = [];
  const handled: Delivery[] = [];
  const handledIds = new Set<string>();
  const perId = new Map<string, number>();
  let badSignatures = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      if (verify(secrets(), req.headers, raw, Math.floor(Date.now() / 1000)) !== null) {
        badSignatures++;
        res.writeHead(401).end('bad signature');
        return;
      }
      const body = JSON.parse(raw.toString('utf8'));
      const d: Delivery = {
        id: String(req.headers['webhook-id']),
        attempt: Number(req.headers['ordo-delivery-attempt']),
        deliveryId: String(req.headers['ordo-delivery-id']),
        type: body.type,
        subject: body.subject,
        body,
        signatures: String(req.headers['webhook-signature']).split(' ').length,
      };
      requests.push(d);
      const n = (perId.get(d.id) ?? 0) + 1;
      perId.set(d.id, n);
      const b = behaviour(d, n);
      if (b.stallMs) await new Promise((r) => setTimeout(r, b.stallMs));
      if (b.status >= 200 && b.status < 300 && !handledIds.has(d.id)) {
        handledIds.add(d.id);
        handled.push(d);
      }
      if (!res.destroyed)
        res
          .writeHead(b.status, { 'content-type': 'text/plain; charset=utf-8' })
          .end(b.body ?? (b.status < 300 ? 'ok' : 'nie teraz'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/ordo`,
    port,
    requests,
    handled,
    handledIds,
    badSignatures: () => badSignatures,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | false | null | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
