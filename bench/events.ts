/**
 * Outbox → webhook benchmark on PostgreSQL (creates and drops its own database).
 *
 *   npx tsx bench/events.ts            (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 *
 * Prints, for one and two dispatchers: delivered events/s draining a backlog to a local
 * receiver, and end-to-end latency p50/p99 from commit to receipt under a steady stream; the
 * baseline is raw HTTP POSTs of the same bodies to the same receiver in the same run.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { scope, transaction } from '../src/store/tenant-scope.js';
import { emitEvent } from '../src/app/events/emit-event.js';
import { createSubscription } from '../src/app/events/subscriptions.js';
import { systemActor } from '../src/store/history.js';
import { systemClock } from '../src/shared/clock.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setSubscriptionPaused } from '../src/app/events/subscriptions.js';

const BASE =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 3000);
const STREAM_RATE = Number(process.env.BENCH_RATE ?? 50); // events/s during the latency run
const STREAM_SECONDS = 5;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const f1 = (n: number) => n.toFixed(1);

// One receiver for everything: it notes when each event id first arrived.
const arrived = new Map<string, number>();
let onArrive: (() => void) | null = null;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const id = req.headers['webhook-id'];
    if (typeof id === 'string' && !arrived.has(id)) arrived.set(id, Date.now());
    res.writeHead(200).end('ok');
    onArrive?.();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

const dbName = `ordo_bench_events_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
await admin.query(`create database ${dbName}`);
const dbUrl = new URL(BASE);
dbUrl.pathname = `/${dbName}`;
const open = () => openDatabase({ url: dbUrl.toString(), poolSize: 10 });
const database = await open();
await migrateToLatest(database.db);
const tenant = await createTenant(database.db, {
  slug: 'bench',
  name: 'Bench',
  admin: { email: 'bench@example.pl', name: 'Bench Łódź', password: 'correct horse battery staple' },
});
const store = scope(database.db, tenant.tenantId);
const sub = await transaction(store, (tx) =>
  createSubscription(
    tx,
    systemActor,
    systemClock,
    { allowPrivate: true, selfHosts: [] },
    { url, eventTypes: ['order.*'] },
  ),
);
const setPaused = (paused: boolean) =>
  transaction(store, async (tx) => {
    await setSubscriptionPaused(tx, systemActor, systemClock, sub.id, paused);
    await sql`select pg_notify('ordo_outbox', '')`.execute(tx.conn);
  });

let seq = 0;
const emitOne = async () => {
  const n = seq++;
  const orderId = `order-${n % 300}`;
  const id = await transaction(store, (tx) =>
    emitEvent(tx, {
      type: 'order.state_changed',
      subject: orderId,
      payload: { orderId, from: 'accepted', to: 'reserved', reason: { rule: 'auto-reserve', n } },
    }),
  );
  return { id, committedAt: Date.now() };
};

async function waitAll(ids: Iterable<string>, timeoutMs = 120_000) {
  const want = [...ids];
  const until = Date.now() + timeoutMs;
  while (want.some((id) => !arrived.has(id))) {
    if (Date.now() > until) throw new Error('timed out waiting for deliveries');
    await new Promise<void>((r) => {
      onArrive = r;
      setTimeout(r, 50);
    });
  }
  onArrive = null;
}

/** Dispatchers run as separate worker processes (src/worker/main.ts), as in production. */
async function startDispatchers(n: number): Promise<ChildProcess[]> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  return Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<ChildProcess>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker/main.ts'], {
            cwd: root,
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env: {
              ...process.env,
              DATABASE_URL: dbUrl.toString(),
              LOG_LEVEL: 'warn',
              ORDO_WORKER_CONCURRENCY: '32',
              ORDO_POLL_MS: '100',
              ORDO_WORKER_ID: `bench${n}-${i + 1}`,
              ORDO_WEBHOOKS_ALLOW_PRIVATE: 'true', // the receiver listens on this machine
            },
          });
          child.once('message', () => resolve(child));
          child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
        }),
    ),
  );
}

async function stopDispatchers(children: ChildProcess[]) {
  await Promise.all(
    children.map(
      (c) =>
        new Promise((r) => {
          c.removeAllListeners('exit');
          c.once('exit', r);
          c.kill('SIGTERM');
        }),
    ),
  );
}

async function emitBacklog(count: number) {
  const ids: string[] = [];
  const lanes = 8;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (ids.length < count) ids.push((await emitOne()).id);
    }),
  );
  return ids;
}

async function runDispatchers(n: number) {
  // Throughput: a backlog queued behind a paused endpoint (fanned out already), then released.
  const d = await startDispatchers(n);
  await setPaused(true);
  const backlog = await emitBacklog(BACKLOG);
  for (;;) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from events where not fanned_out`.execute(
      database.db,
    );
    if (Number(rows[0]!.n) === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const t0 = Date.now();
  await setPaused(false);
  await waitAll(backlog);
  const drainMs = Date.now() - t0;
  // Latency: a steady stream while the dispatchers run idle-ready.
  const lat: number[] = [];
  const stream: Promise<void>[] = [];
  const total = STREAM_RATE * STREAM_SECONDS;
  const start = Date.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / STREAM_RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    stream.push(
      emitOne().then(async ({ id, committedAt }) => {
        await waitAll([id]);
        lat.push(arrived.get(id)! - committedAt);
      }),
    );
  }
  await Promise.all(stream);
  await stopDispatchers(d);
  const { rows } = await sql<{
    worker: string;
    n: string;
    ms: string;
  }>`select worker, count(*) as n, round(avg(latency_ms)) as ms from delivery_attempts
    where worker like ${`bench${n}-%`} group by worker order by worker`.execute(database.db);
  const perWorker = rows.map((r) => `${r.worker}: ${r.n} attempts, mean HTTP ${r.ms} ms`).join('; ');
  return {
    eventsPerSec: (backlog.length / drainMs) * 1000,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    samples: lat.length,
    perWorker,
  };
}

async function rawHttp(count: number, concurrency: number) {
  const body = JSON.stringify({
    id: 'x',
    type: 'order.state_changed',
    timestamp: new Date().toISOString(),
    subject: 'order-1',
    data: { orderId: 'order-1', from: 'accepted', to: 'reserved', reason: { rule: 'auto-reserve', n: 1 } },
  });
  const lat: number[] = [];
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const s = performance.now();
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'webhook-id': `raw-${i}` },
        });
        await res.text();
        lat.push(performance.now() - s);
      }
    }),
  );
  return { perSec: (count / (Date.now() - t0)) * 1000, p50: pct(lat, 50), p99: pct(lat, 99) };
}

try {
  const raw = await rawHttp(BACKLOG, 32);
  const one = await runDispatchers(1);
  const two = await runDispatchers(2);
  const rss = process.memoryUsage().rss / 1024 / 1024;
  const { rows } = await sql<{ n: string }>`select count(*) as n from delivery_attempts`.execute(database.db);
  console.log(
    `events → webhooks on PostgreSQL (${BACKLOG} backlog events over 300 orders, 1 subscription; latency at ${STREAM_RATE} ev/s for ${STREAM_SECONDS}s)`,
  );
  console.log(
    `baseline raw HTTP POST (32 concurrent): ${f1(raw.perSec)} req/s, p50 ${f1(raw.p50)} ms, p99 ${f1(raw.p99)} ms`,
  );
  for (const [name, r] of [
    ['1 dispatcher ', one],
    ['2 dispatchers', two],
  ] as const) {
    console.log(
      `${name}: ${f1(r.eventsPerSec)} events/s delivered (${f1((r.eventsPerSec / raw.perSec) * 100)}% of raw HTTP); commit→receipt p50 ${r.p50} ms, p99 ${r.p99} ms (${r.samples} samples)`,
    );
    console.log(`   ${r.perWorker}`);
  }
  console.log(
    `2 vs 1 dispatcher throughput ratio: ${(two.eventsPerSec / one.eventsPerSec).toFixed(2)}; attempts recorded ${rows[0]!.n}; rss ${f1(rss)} MB`,
  );
} finally {
  await database.close();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  server.close();
}
