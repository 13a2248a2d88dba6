import { transaction } from '../../src/store/tenant-scope.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { connect } from 'nats';
import { testApp, type TestApp } from '../support.js';
import { emitEvents, type NewEvent } from '../../src/app/events/emit-event.js';
import { natsSink } from '../../src/integrations/broker/nats-sink.js';
import { toCloudEvent, type EventSink } from '../../src/integrations/broker/sink.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { waitFor } from './receiver.js';
import { exited } from './processes.js';

/**
 * Our own nats-server (JetStream, file store in a temp folder) on a free port, so stopping it
 * does not disturb the machine's NATS on 4222.
 */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startNats(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: 'ignore',
  });
  await waitFor(
    'nats-server to listen',
    () =>
      new Promise<boolean>((resolve) => {
        const sock = tcpConnect(port, '127.0.0.1');
        sock.once('connect', () => {
          sock.destroy();
          resolve(true);
        });
        sock.once('error', () => resolve(false));
      }),
    15_000,
  );
  return child;
}

const STREAM = 'ORDO_TEST_EVENTS';
const PREFIX = 'ordotest.events';

describe('broker sink: CloudEvents to NATS JetStream', () => {
  let t: TestApp;
  let nats: ChildProcess | undefined;
  let worker: Worker | undefined;
  let sink: EventSink;
  let port: number;
  const storeDir = mkdtempSync(join(tmpdir(), 'ordo-nats-'));
  before(async () => {
    port = await freePort();
    nats = await startNats(port, storeDir);
    t = await testApp();
    sink = await natsSink({ url: `nats://127.0.0.1:${port}`, stream: STREAM, subjectPrefix: PREFIX, timeoutMs: 1000 });
  });
  after(async () => {
    await worker?.stop();
    await t.close();
    nats?.kill('SIGKILL');
    if (nats) await exited(nats);
    rmSync(storeDir, { recursive: true, force: true });
  });

  const emit = (from: number, n: number) =>
    transaction(t.store, (tx) =>
      emitEvents(
        tx,
        Array.from({ length: n }, (_, i): NewEvent => {
          const orderId = `zamówienie-${(from + i) % 3}`;
          return {
            type: 'shipment.shipped',
            subject: orderId,
            payload: {
              orderId,
              shipmentId: `S-${from + i}`,
              carrier: 'Почта России',
              trackingNumber: `RR${from + i}PL`,
            },
          };
        }),
      ),
    );

  const streamMessages = async () => {
    const nc = await connect({ servers: `nats://127.0.0.1:${port}` });
    try {
      const jsm = await nc.jetstreamManager();
      const info = await jsm.streams.info(STREAM).catch(() => null);
      // An empty stream reports first_seq 0 (and asking for message 0 is a JetStream 400): the
      // worker may not have published yet when this is first asked.
      if (!info || info.state.messages === 0) return [];
      const out: { msgId: string | undefined; ce: any }[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage(STREAM, { seq });
        out.push({ msgId: m.header?.get('Nats-Msg-Id'), ce: m.json() });
      }
      return out;
    } finally {
      await nc.close();
    }
  };

  const sinkDeliveriesOpen = async () => {
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from event_deliveries where tenant_id = ${t.tenantId} and target = 'sink:nats' and status <> 'succeeded'`.execute(
      t.database.db,
    );
    return Number(rows[0]!.n);
  };

  test('given NATS stopped and restarted, events published while it was away flow after, each stored once with its id as Nats-Msg-Id', async () => {
    worker = await startWorker({
      db: t.database.db,
      jobs: t.services.jobs,
      sinks: [sink],
      retry: { baseMs: 50, maxMs: 400, maxAttempts: 100 },
      deliveryTimeoutMs: 1500,
      pollMs: 50,
    });
    const firstIds = await emit(0, 6);
    await waitFor(
      'first events in the stream',
      async () => (await sinkDeliveriesOpen()) === 0 && (await streamMessages()).length === 6,
    );

    nats!.kill('SIGKILL');
    await exited(nats!);
    const laterIds = await emit(6, 6);
    await waitFor('failed publish attempts while NATS is down', async () => {
      const { rows } = await sql<{
        n: string;
      }>`select count(*) as n from delivery_attempts where tenant_id = ${t.tenantId} and outcome <> 'succeeded'`.execute(
        t.database.db,
      );
      return Number(rows[0]!.n) >= 2;
    });
    assert.ok((await sinkDeliveriesOpen()) > 0);

    nats = await startNats(port, storeDir);
    await waitFor('events to flow after NATS is back', async () => (await sinkDeliveriesOpen()) === 0, 30_000);

    const msgs = await streamMessages();
    const ids = msgs.map((m) => m.msgId);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates in the stream');
    assert.deepEqual(new Set(ids), new Set([...firstIds, ...laterIds]));
    const ce = msgs.find((m) => m.msgId === laterIds[0])!.ce;
    assert.equal(ce.specversion, '1.0');
    assert.equal(ce.id, laterIds[0]);
    assert.equal(ce.type, 'shipment.shipped');
    assert.equal(ce.data.carrier, 'Почта России');
    assert.equal(ce.ordotenant, t.tenantId);
    assert.match(ce.dataschema, /shipment\.shipped\/v1\.json$/);
    // Per-subject order survives the outage: JetStream sequence order equals our event order.
    for (const subject of ['zamówienie-0', 'zamówienie-1', 'zamówienie-2']) {
      const got = msgs.filter((m) => m.ce.subject === subject).map((m) => m.msgId);
      const { rows } = await sql<{
        id: string;
      }>`select id from events where tenant_id = ${t.tenantId} and subject = ${subject} order by seq`.execute(
        t.database.db,
      );
      assert.deepEqual(
        got,
        rows.map((r) => r.id),
        subject,
      );
    }
  });

  test('given an event published twice (a crash after the ack), JetStream stores it once', async () => {
    const [id] = await emit(100, 1);
    const ev = await t.call('GET', `/api/v1/events/${id}`);
    const ce = toCloudEvent({
      id: id!,
      type: ev.body.type,
      tenantId: t.tenantId,
      subject: ev.body.subject,
      time: new Date(ev.body.time),
      schemaVersion: 1,
      payload: ev.body.payload,
    });
    await waitFor('the worker to publish it', async () => (await streamMessages()).some((m) => m.msgId === id));
    const again = await sink.publish(ce);
    assert.equal(again.duplicate, true);
    assert.equal((await streamMessages()).filter((m) => m.msgId === id).length, 1);
  });
});
