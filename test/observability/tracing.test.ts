import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { newWebhookSecret } from '../../src/integrations/webhooks/signature.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { startTracing, type Tracing } from '../../src/integrations/telemetry/tracing-sdk.js';
import { tracingEnabled } from '../../src/shared/tracing.js';
import { waitFor } from '../events/receiver.js';
import { loadConfig } from '../../src/config.js';

/**
 * Traces across the API, the unit of work, the process engine and the outbox (docs/observability.md),
 * with the SDK's in-memory exporter and a real webhook receiver on loopback.
 */
describe('OpenTelemetry traces', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let t: TestApp;
  let worker: Worker | undefined;
  const received: Array<{ traceparent: string | undefined; type: string }> = [];
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      received.push({ traceparent: request.headers.traceparent as string | undefined, type: body.type });
      response.writeHead(200).end('ok');
    });
  });

  before(async () => {
    // off until asked: nothing installed, no span anywhere
    assert.equal(tracingEnabled(), false);
    tracing = await startTracing('off', { exporter })!;
    assert.equal(tracingEnabled(), true);
    t = await testApp({ config: loadConfig({ ORDO_WEBHOOKS_ALLOW_PRIVATE: 'true' }) });
    await seedBasics(t);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await worker?.stop();
    await t.close();
    receiver.closeAllConnections();
    receiver.close();
    await tracing.shutdown();
  });

  const spans = () => exporter.getFinishedSpans();
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  test('an order intake is one trace: HTTP span, its unit of work with the order id, the process start, and the webhook delivery of its event', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const sub = await t.call('POST', '/api/v1/webhooks/subscriptions', {
      url: `http://127.0.0.1:${port}/hooks`,
      eventTypes: ['order.accepted'],
      secret: newWebhookSecret(),
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    exporter.reset();

    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'TRACE-1' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const orderId: string = created.body.id;

    const http = spans().find((span) => span.name === 'POST /api/v1/orders');
    assert.ok(http, `no HTTP span among ${spans().map((span) => span.name)}`);
    assert.equal(http.kind, 1); // server
    assert.equal(http.attributes['http.route'], '/api/v1/orders');
    assert.equal(http.attributes['http.response.status_code'], 201);
    assert.equal(http.attributes['ordo.tenant_id'], t.tenantId);
    assert.equal(http.attributes['ordo.order_id'], orderId);

    const work = spans().find(
      (span) => span.name === 'ordo.unit_of_work' && span.attributes['ordo.order_id'] === orderId,
    );
    assert.ok(work, 'the unit of work names the order');
    assert.equal(work.spanContext().traceId, http.spanContext().traceId);
    assert.equal(parentOf(work), http.spanContext().spanId);
    assert.equal(work.attributes['ordo.tenant_id'], t.tenantId);
    assert.ok(Number(work.attributes['db.statements']) >= 2, 'its statements are counted');
    assert.equal(work.attributes['ordo.events'], 1);

    const start = spans().find(
      (span) => span.name === 'ordo.process.start' && span.attributes['ordo.order_id'] === orderId,
    );
    assert.ok(start, 'the process engine step is a span of its own');
    assert.equal(parentOf(start), work.spanContext().spanId);

    // the event row keeps the context of the span that wrote it
    const event = await t.store
      .selectFrom('events')
      .select(['id', 'trace_context'])
      .where('subject', '=', orderId)
      .where('type', '=', 'order.accepted')
      .executeTakeFirstOrThrow();
    assert.match(event.trace_context ?? '', new RegExp(`^00-${http.spanContext().traceId}-[0-9a-f]{16}-01$`));

    worker = await startWorker({
      db: t.database.db,
      jobs: t.services.jobs,
      listenUrl: t.database.url,
      pollMs: 50,
      allowPrivateTargets: true,
    });
    const delivery = await waitFor('the delivery span', async () =>
      spans().find(
        (span) => span.name === 'ordo.outbox.deliver order.accepted' && span.attributes['ordo.order_id'] === orderId,
      ),
    );
    assert.equal(delivery.spanContext().traceId, http.spanContext().traceId, 'the delivery joins the request trace');
    assert.equal(delivery.attributes['ordo.event.id'], event.id);
    assert.equal(delivery.attributes['ordo.delivery.outcome'], 'succeeded');
    assert.equal(delivery.attributes['http.response.status_code'], 200);
    assert.equal(delivery.kind, 2); // client
    // the receiver is told the trace too
    const hook = received.find((r) => r.type === 'order.accepted');
    assert.ok(hook?.traceparent?.startsWith(`00-${http.spanContext().traceId}-${delivery.spanContext().spanId}-`));
  });

  test('an incoming traceparent is continued; a refused request is a span without an error status', async () => {
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const r = await t.call('GET', '/api/v1/orders/01890000-0000-7000-8000-000000000000', undefined, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    assert.equal(r.status, 404);
    const http = spans().find((span) => span.name === 'GET /api/v1/orders/:id');
    assert.ok(http);
    assert.equal(http.spanContext().traceId, traceId);
    assert.equal(parentOf(http), '00f067aa0ba902b7');
    assert.equal(http.attributes['ordo.order_id'], '01890000-0000-7000-8000-000000000000');
    assert.equal(http.status.code, 0);
  });
});
