import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { freshDatabase, onPostgres } from '../support.js';
import { testApp } from '../support.js';
import { exited, killHard, pause, probe, runCluster, startNode, type NodeProcess } from './cluster.js';

const needsPostgres = !onPostgres && 'needs PostgreSQL (TEST_DATABASE_URL): the embedded database serves one process';

describe('several nodes on one PostgreSQL', () => {
  test(
    'given 2 API and 2 worker nodes with one of each killed (SIGKILL) three times under load, then every acknowledged order exists once, every event reached the receiver, each timer fired once and stock holds',
    { skip: needsPostgres, timeout: 300_000 },
    async (t) => {
      const database = await freshDatabase();
      try {
        const figures = await runCluster({
          database,
          orders: 60,
          clients: 4,
          kills: 3,
          killEveryMs: 1_500,
          thinkMs: 60,
          stock: 150,
          settleMs: 30_000,
          log: (line) => console.log(`# ${line}`),
          signal: t.signal,
        });
        console.log(`# ${JSON.stringify(figures)}`);
        assert.equal(figures.apiKills, 3);
        assert.equal(figures.workerKills, 3);
        assert.ok(figures.ordersAcknowledged >= 60, 'the load went on through the kills');
        assert.ok(figures.retries > 0, 'some requests met a dead node and were retried');
        assert.equal(
          figures.ordersAcknowledged + figures.ordersRefused,
          figures.ordersAttempted,
          'every client got an answer',
        );
        assert.equal(figures.ordersLost, 0, 'no acknowledged order is missing');
        assert.equal(figures.ordersDuplicated, 0, 'no order was stored twice');
        assert.equal(figures.ordersUnexpected, 0, 'no order exists that its client was not told about');
        assert.equal(figures.eventsReceived, figures.events, 'every event reached the receiver');
        assert.ok(figures.eventRequests >= figures.events, 'at least once');
        assert.equal(figures.ordersWaiting, 0, 'every timer fired');
        assert.equal(figures.timersTwice, 0, 'no timer fired twice');
        assert.ok(figures.timersFired > 0);
        assert.equal(figures.stockViolations, 0, 'stock invariants hold');
        assert.equal(figures.reservedUnits, figures.heldUnits, "the stock row's reserved is what the orders hold");
        assert.equal(figures.overHeld, 0, 'no order holds more cups than it asked for');
        assert.equal(figures.fulfilledShort, 0, 'each reserved order holds its cups once');
        assert.ok(figures.orderedUnits <= figures.heldUnits);
        assert.ok(figures.reservedUnits <= figures.onHand, 'never more reserved than on hand');
      } finally {
        await database.close();
      }
    },
  );

  test(
    'given an API node told to stop (SIGTERM) with a request in flight, then /readyz answers 503 while that request still completes with 201, and the node exits 0',
    { skip: needsPostgres, timeout: 120_000 },
    async () => {
      const database = await freshDatabase();
      const t = await testApp({ database });
      let node: NodeProcess | undefined;
      try {
        const channel = await t.call('POST', '/api/v1/channels', {
          code: 'web',
          name: 'Sklep',
          kind: 'web',
          currency: 'PLN',
        });
        assert.equal(channel.status, 201);
        await t.call('POST', '/api/v1/products', { sku: 'SKU-1', name: 'Чайник' });
        await t.call('POST', '/api/v1/customers', { code: 'C-1', name: 'Łucja Żółć', email: 'lucja@example.pl' });
        await t.app.close();
        node = await startNode('api', 'api-drain', {
          DATABASE_URL: database.url!,
          ORDO_DRAIN_DELAY_MS: '3000',
          ORDO_SHUTDOWN_TIMEOUT_MS: '20000',
          ORDO_EXACT_WARMUP: 'off',
        });
        assert.equal(await probe(node.port, '/readyz'), 200);

        // a slow client: the request's head now, its body only once the node is draining
        const body = JSON.stringify({
          channel: 'web',
          externalId: 'drain-1',
          customer: { code: 'C-1' },
          currency: 'PLN',
          lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '10.00', taxRate: '23' }],
          shippingAddress: { name: 'Łucja Żółć', line1: 'ul. Długa 1', city: 'Gdańsk', country: 'PL' },
          delivery: { method: 'ship' },
        });
        const slow = httpRequest({
          host: '127.0.0.1',
          port: node.port,
          path: '/api/v1/orders',
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${t.apiKey}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        });
        const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
          slow.on('response', (res) => {
            let text = '';
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          slow.on('error', reject);
        });
        slow.write(body.slice(0, 10));
        await pause(300); // the head has reached the server

        node.child.kill('SIGTERM');
        let ready = 200;
        const until = Date.now() + 10_000;
        while (ready === 200 && Date.now() < until) {
          ready = await probe(node.port, '/readyz');
          if (ready === 200) await pause(50);
        }
        assert.equal(ready, 503, '/readyz tells the load balancer to stop sending');
        assert.equal(node.child.exitCode, null, 'still running while draining');

        slow.end(body.slice(10));
        const result = await answer;
        assert.equal(result.status, 201, result.text);
        await exited(node.child);
        assert.equal(node.child.exitCode, 0, node.output());
        assert.equal(await probe(node.port, '/readyz'), 0, 'and then nothing listens');
      } finally {
        if (node) await killHard(node);
        await database.close();
      }
    },
  );

  test(
    'given a worker node with a health endpoint, then /readyz answers 200 once started and it exits 0 on SIGTERM',
    { skip: needsPostgres, timeout: 120_000 },
    async () => {
      const database = await freshDatabase();
      const { freePort } = await import('./cluster.js');
      const port = await freePort();
      let node: NodeProcess | undefined;
      try {
        node = await startNode('worker', 'worker-health', {
          DATABASE_URL: database.url!,
          ORDO_WORKER_HEALTH_PORT: String(port),
        });
        assert.equal(await probe(port, '/readyz'), 200);
        assert.equal(await probe(port, '/healthz'), 200);
        node.child.kill('SIGTERM');
        await exited(node.child);
        assert.equal(node.child.exitCode, 0, node.output());
      } finally {
        if (node) await killHard(node);
        await database.close();
      }
    },
  );
});
