import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { createTenant } from '../../src/app/identity/create-tenant.js';
import { liveStreamSettings } from '../../src/api/routes/live.js';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** A server-sent events client over fetch: collects events and waits for the ones a test expects. */
class Stream {
  readonly events: SseEvent[] = [];
  comments = 0;
  ended = false;
  private waiters: (() => void)[] = [];
  private constructor(
    readonly response: Response,
    private readonly abort: AbortController,
  ) {}

  static async open(base: string, key: string, headers: Record<string, string> = {}): Promise<Stream> {
    const abort = new AbortController();
    const response = await fetch(`${base}/api/v1/events/stream`, {
      headers: { authorization: `Bearer ${key}`, ...headers },
      signal: abort.signal,
    });
    const stream = new Stream(response, abort);
    if (response.ok) void stream.pump();
    return stream;
  }

  private async pump() {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of this.response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.comments++;
            const match = /^(id|event|data): ?(.*)$/.exec(line);
            if (match) event[match[1] as keyof SseEvent] = match[2];
          }
          if (event.id || event.event) this.events.push(event);
        }
        this.notify();
      }
    } catch {
      /* aborted */
    }
    this.ended = true;
    this.notify();
  }

  private notify() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once `check` holds (each arriving chunk re-checks); no timing assertion, the runner's timeout bounds it. */
  async until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close() {
    this.abort.abort();
  }
}

describe('live event stream (GET /events/stream)', () => {
  let t: TestApp;
  let base: string;
  const saved = { ...liveStreamSettings };
  before(async () => {
    Object.assign(liveStreamSettings, { pollMs: 200, heartbeatMs: 300, recheckMs: 300, maxPerTenant: 3 });
    t = await testApp();
    await seedBasics(t);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    Object.assign(liveStreamSettings, saved);
    await t.close();
  });

  const createOrder = async () => {
    const r = await t.call('POST', '/api/v1/orders', orderBody());
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body as { id: string; number: string };
  };

  test('a committed order event arrives; Last-Event-ID resumes without loss; another tenant never sees it', async () => {
    // another tenant in the same database, with its own stream
    const other = await createTenant(t.database.db, {
      slug: `o-${randomBytes(4).toString('hex')}`,
      name: 'Other tenant',
      admin: {
        email: `o-${randomBytes(4).toString('hex')}@example.pl`,
        name: 'Olga',
        password: 'correct horse battery',
      },
    });
    const stranger = await Stream.open(base, other.apiKey);
    assert.equal(stranger.response.status, 200);

    const first = await Stream.open(base, t.apiKey);
    assert.equal(first.response.status, 200);
    assert.match(first.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const order = await createOrder();
    await first.until(() => first.events.some((e) => e.event === 'order.accepted'));
    const accepted = first.events.find((e) => e.event === 'order.accepted')!;
    const data = JSON.parse(accepted.data!);
    assert.equal(data.subject, order.id);
    assert.equal(data.type, 'order.accepted');
    assert.equal(accepted.id, data.id);
    // heartbeats keep the stream open
    await first.until(() => first.comments > 0);
    const lastSeen = first.events.at(-1)!.id!;
    first.close();

    // while no one listens, two more orders commit; a resume after the last seen event gets all of their events
    const missed = [await createOrder(), await createOrder()];
    const stored = await t.call('GET', `/api/v1/events?after=${lastSeen}&limit=500`);
    const expected = (stored.body.items as { id: string }[]).map((e) => e.id);
    assert.ok(expected.length >= 2);
    const resumed = await Stream.open(base, t.apiKey, { 'last-event-id': lastSeen });
    await resumed.until(() => expected.every((id) => resumed.events.some((e) => e.id === id)));
    const ids = resumed.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    assert.ok(!ids.includes(lastSeen), 'the resume point itself is not sent again');
    for (const made of missed)
      assert.ok(resumed.events.some((e) => e.event === 'order.accepted' && JSON.parse(e.data!).subject === made.id));
    resumed.close();

    // the other tenant's stream saw none of these
    const mine = new Set([...first.events, ...resumed.events].map((e) => e.id));
    assert.ok(mine.size > 0);
    assert.ok(stranger.events.every((e) => !mine.has(e.id)));
    assert.equal(stranger.events.filter((e) => e.event?.startsWith('order.')).length, 0);
    stranger.close();
  });

  test('the per-tenant cap answers 429 LIVE_STREAMS_LIMIT_REACHED; closing one frees a place', async () => {
    const streams = [];
    for (let i = 0; i < liveStreamSettings.maxPerTenant; i++) streams.push(await Stream.open(base, t.apiKey));
    assert.ok(streams.every((s) => s.response.status === 200));
    const refused = await Stream.open(base, t.apiKey);
    assert.equal(refused.response.status, 429);
    assert.match(refused.response.headers.get('content-type') ?? '', /problem\+json/);
    const body = (await refused.response.json()) as { code: string };
    assert.equal(body.code, 'LIVE_STREAMS_LIMIT_REACHED');
    streams.pop()!.close();
    // the server counts the close once it sees the socket end: retry until a place is free
    let next = await Stream.open(base, t.apiKey);
    while (next.response.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      next = await Stream.open(base, t.apiKey);
    }
    assert.equal(next.response.status, 200);
    next.close();
    for (const s of streams) s.close();
  });

  test('a revoked key ends its stream with event "closed"', async () => {
    const key = await t.call('POST', '/api/v1/api-keys', { name: 'console tab', roles: ['viewer'] });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    let stream = await Stream.open(base, key.body.secret);
    while (stream.response.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stream = await Stream.open(base, key.body.secret);
    }
    assert.equal(stream.response.status, 200);
    const revoked = await t.call('DELETE', `/api/v1/api-keys/${key.body.id}`);
    assert.ok(revoked.status < 300, JSON.stringify(revoked.body));
    const opened = stream;
    await opened.until(() => opened.ended);
    assert.ok(opened.events.some((e) => e.event === 'closed'));
  });

  test('navigation counts answer numbers', async () => {
    const r = await t.call('GET', '/api/v1/console/counts');
    assert.equal(r.status, 200);
    for (const k of ['inbox', 'exceptions', 'attention']) assert.equal(typeof r.body[k], 'number');
    assert.ok(r.body.attention >= r.body.exceptions);
  });
});
