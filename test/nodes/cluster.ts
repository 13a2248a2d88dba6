/**
 * Several Ordo nodes as child processes on one PostgreSQL: `ordo serve --no-worker` (API nodes)
 * and `ordo worker` (worker nodes), started the way an operator starts them (`bin/ordo.js`: the
 * built dist/ when it is current, as in production and CI; src/ through tsx otherwise). Used by test/nodes/nodes.test.ts and bench/nodes.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from '../../src/store/db.js';
import { testApp } from '../support.js';
import { createSubscription } from '../../src/app/events/subscriptions.js';
import { transaction } from '../../src/store/tenant-scope.js';
import { systemActor } from '../../src/store/history.js';
import { systemClock } from '../../src/shared/clock.js';
import { newWebhookSecret } from '../../src/integrations/webhooks/signature.js';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { startReceiver } from '../events/receiver.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface NodeProcess {
  kind: 'api' | 'worker';
  name: string;
  child: ChildProcess;
  /** API nodes: the port they listen on. */
  port: number;
  output(): string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** GET on 127.0.0.1 without keep-alive; the status code, or 0 when nothing answers. */
export function probe(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(5_000, () => req.destroy());
    req.end();
  });
}

/** Every node started here, killed when this process exits whatever happened (a failed or timed-out test). */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts one node: `ordo serve --no-worker` on a free port (ready when /readyz answers 200) or
 * `ordo worker` (ready when it reports so over IPC). Rejects, and kills it, when it does not get
 * ready within `startMs`.
 */
export async function startNode(
  kind: 'api' | 'worker',
  name: string,
  env: Record<string, string>,
  startMs = 90_000,
): Promise<NodeProcess> {
  const port = kind === 'api' ? await freePort() : 0;
  const args = kind === 'api' ? ['serve', '--no-worker'] : ['worker'];
  // bin/ordo.js: the built dist/ when it is current (CI builds before the tests), else src/ through tsx
  const child = spawn(process.execPath, ['bin/ordo.js', ...args], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...env,
      ...(kind === 'api' ? { PORT: String(port) } : { ORDO_WORKER_ID: name }),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const node: NodeProcess = { kind, name, child, port, output: () => out };
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + startMs;
  if (kind === 'worker') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start: ${out}`));
      }, startMs);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}: ${out}`));
      });
    });
    return node;
  }
  while ((await probe(port, '/readyz')) !== 200) {
    if (exited) throw new Error(`${name} exited: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not get ready: ${out}`);
    }
    await pause(100);
  }
  return node;
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** kill -9, and wait until it is gone. */
export async function killHard(node: NodeProcess): Promise<void> {
  node.child.kill('SIGKILL');
  await exited(node.child);
}

/** The test process's own view of the cluster: what it seeded, and the webhook receiver. */
export interface Seeded {
  apiKey: string;
  tenantId: string;
  subscriptionId: string;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
}

/** The process every order takes: reserve at intake, then a timer (run by a worker) one second later. */
const PROCESS = `key: nodes-test
title: Several nodes
start: received
states:
  received:
    enter:
      - action: reserve
    on:
      reserved: waiting
      shortage: short
  waiting:
    after:
      - { in: PT1S, event: tick }
    on:
      tick: done
  short:
    terminal: true
  done:
    terminal: true
`;

/**
 * A tenant with a shop channel, one product with `stock` units at one warehouse, the process
 * above for the shop's orders, and a webhook subscription to every order event at a local
 * receiver that verifies signatures and handles each event id once.
 */
export async function seed(database: Database, stock: number): Promise<Seeded> {
  const t = await testApp({ database });
  try {
    const ok = async (method: string, url: string, body: unknown, expected = [200, 201]) => {
      const response = await t.call(method, url, body);
      if (!expected.includes(response.status))
        throw new Error(`${url}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    await ok('POST', '/api/v1/channels', { code: 'shop', name: 'Sklep', kind: 'web', currency: 'PLN' });
    await ok('POST', '/api/v1/products', { sku: 'KUBEK-1', name: 'Kubek — Кружка' });
    await ok('POST', '/api/v1/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl' });
    await ok('POST', '/api/v1/locations', {
      code: 'WAW-1',
      name: 'Magazyn Warszawa',
      kind: 'warehouse',
      country: 'PL',
      latitude: 52.23,
      longitude: 21.01,
      capabilities: ['ships'],
    });
    await ok('POST', '/api/v1/inventory/stock:set', { sku: 'KUBEK-1', location: 'WAW-1', onHand: stock });
    const draft = await ok('POST', '/api/v1/processes', { source: PROCESS });
    await ok('POST', `/api/v1/processes/${draft.key}/versions/${draft.version}/publish`, undefined);
    await ok('PUT', '/api/v1/process-selection-rules', { rules: [{ process: 'nodes-test', channel: ['shop'] }] });
    const secret = newWebhookSecret();
    const receiver = await startReceiver(() => [secret]);
    const subscription = await transaction(t.store, (tx) =>
      createSubscription(
        tx,
        systemActor,
        systemClock,
        { allowPrivate: true, selfHosts: [] },
        {
          url: receiver.url,
          eventTypes: ['order.*'],
          secret,
        },
      ),
    );
    return { apiKey: t.apiKey, tenantId: t.tenantId, subscriptionId: subscription.id, receiver };
  } finally {
    await t.app.close();
  }
}

/** One order's body: 1 to 3 cups, so the stock runs out part way. */
export const orderBody = (index: number, run: string) => ({
  channel: 'shop',
  externalId: `${run}-${index}`,
  customer: { code: 'C-1' },
  currency: 'PLN',
  lines: [{ sku: 'KUBEK-1', quantity: 1 + (index % 3), unitPrice: '19.99', taxRate: '23' }],
  shippingAddress: { name: 'Zażółć Gęślą', line1: 'ul. Jaźni 1', city: 'Łódź', country: 'PL' },
  delivery: { method: 'ship' },
});

export interface Outcome {
  index: number;
  key: string;
  status: number;
  orderId: string | null;
  tries: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function post(port: number, path: string, body: unknown, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end(data);
  });
}

/**
 * A client placing one order: alternating API nodes, retrying with the same Idempotency-Key on
 * the next node when a node is gone (connection refused or reset), answers 503 (draining) or any
 * 5xx. A 2xx is an acknowledged order; another 4xx is a final refusal.
 */
export async function placeOrder(
  ports: () => number[],
  apiKey: string,
  index: number,
  run: string,
  deadline: number,
): Promise<Outcome> {
  const key = `${run}-key-${index}`;
  let tries = 0;
  for (;;) {
    const live = ports();
    const port = live[(index + tries) % live.length]!;
    tries++;
    try {
      const response = await post(port, '/api/v1/orders', orderBody(index, run), {
        authorization: `Bearer ${apiKey}`,
        'idempotency-key': key,
      });
      if (response.status < 500) {
        const parsed = JSON.parse(response.body);
        return {
          index,
          key,
          status: response.status,
          orderId: response.status < 300 ? (parsed.id as string) : null,
          tries,
        };
      }
    } catch {
      // the node died or is restarting: the same key on the next one
    }
    if (Date.now() > deadline) return { index, key, status: 0, orderId: null, tries };
    await pause(Math.min(500, 25 * tries));
  }
}

export interface Figures {
  ordersAttempted: number;
  ordersAcknowledged: number;
  ordersRefused: number;
  ordersLost: number;
  ordersDuplicated: number;
  ordersUnexpected: number;
  retries: number;
  events: number;
  eventsReceived: number;
  eventRequests: number;
  timersFired: number;
  timersTwice: number;
  ordersWaiting: number;
  stockViolations: number;
  reservedUnits: number;
  /** Units fulfilled orders (waiting, done) asked for. */
  orderedUnits: number;
  /** Units every order's live reservations hold (short orders may hold part of theirs). */
  heldUnits: number;
  /** Orders holding more than they asked (must be 0), fulfilled orders not holding exactly what they asked (must be 0). */
  overHeld: number;
  fulfilledShort: number;
  onHand: number;
  apiKills: number;
  workerKills: number;
  seconds: number;
  ordersPerSecond: number;
}

/**
 * The scenario: 2 API nodes and 2 worker nodes; clients place orders over HTTP, alternating
 * nodes, while one API node and one worker are killed with SIGKILL `kills` times each and
 * restarted. Then everything is left to settle (events delivered, timers fired) and counted.
 */
export async function runCluster(opts: {
  database: Database & { url?: string };
  orders: number;
  clients: number;
  kills: number;
  /** Between a node's restart and its next kill. */
  killEveryMs: number;
  /** A client's pause between two orders (a gentler load for the test). */
  thinkMs: number;
  stock: number;
  settleMs: number;
  log?: (line: string) => void;
  /** The test's signal: aborted on its timeout, which kills every node at once. */
  signal?: AbortSignal | undefined;
}): Promise<Figures> {
  const log = opts.log ?? (() => {});
  opts.signal?.addEventListener('abort', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  const seeded = await seed(opts.database, opts.stock);
  const env = {
    DATABASE_URL: opts.database.url!,
    DATABASE_POOL_SIZE: '8',
    ORDO_WEBHOOKS_ALLOW_PRIVATE: 'on',
    ORDO_WEBHOOK_TIMEOUT_MS: '1500',
    ORDO_LEASE_MS: '3000',
    ORDO_RETRY_BASE_MS: '100',
    ORDO_POLL_MS: '100',
    ORDO_EXACT_WARMUP: 'off',
  };
  const nodes: NodeProcess[] = [];
  const run = `n${Date.now().toString(36)}`;
  const started = Date.now();
  try {
    nodes.push(
      ...(await Promise.all([
        startNode('api', 'api-1', env),
        startNode('api', 'api-2', env),
        startNode('worker', 'worker-1', env),
        startNode('worker', 'worker-2', env),
      ])),
    );
    log(`2 API + 2 worker nodes up in ${Date.now() - started} ms`);
    // A killed API node stays in the clients' rotation until its replacement is up, as behind a load
    // balancer that has not noticed yet: requests meet the dead node and retry on the next one.
    // (Dropped at once, a request met it only if it was in flight at the kill: on a fast machine,
    // none might be.)
    const livePorts = () => nodes.filter((n) => n.kind === 'api').map((n) => n.port);

    let apiKills = 0;
    let workerKills = 0;
    let killing = true;
    const killer = (async () => {
      for (let round = 1; round <= opts.kills; round++) {
        await pause(opts.killEveryMs);
        // kill the first of each kind (the survivor keeps serving), then start a replacement
        const api = nodes.find((n) => n.kind === 'api')!;
        const worker = nodes.find((n) => n.kind === 'worker')!;
        await Promise.all([killHard(api), killHard(worker)]);
        apiKills++;
        workerKills++;
        nodes.splice(nodes.indexOf(worker), 1);
        log(`round ${round}: killed ${api.name} and ${worker.name} (SIGKILL)`);
        const [newApi, newWorker] = await Promise.all([
          startNode('api', `api-r${round}`, env),
          startNode('worker', `worker-r${round}`, env),
        ]);
        nodes.splice(nodes.indexOf(api), 1);
        nodes.push(newApi, newWorker);
        log(`round ${round}: ${newApi.name} and ${newWorker.name} up`);
      }
      killing = false;
    })();

    const outcomes: Outcome[] = [];
    let next = 0;
    const loadStart = Date.now();
    const client = async () => {
      // keep the load going until every kill is done, and at least `orders` orders
      while (killing || next < opts.orders) {
        const index = next++;
        // a client gives one order a minute of retries (several node restarts on a loaded machine)
        outcomes.push(await placeOrder(livePorts, seeded.apiKey, index, run, Date.now() + 60_000));
        if (opts.thinkMs) await pause(opts.thinkMs);
      }
    };
    await Promise.all([killer, ...Array.from({ length: opts.clients }, client)]);
    const loadSeconds = (Date.now() - loadStart) / 1000;
    log(`${outcomes.length} orders placed in ${loadSeconds.toFixed(1)} s`);

    // settle: every order past its timer, every event fanned out and delivered
    const db = opts.database.db;
    const settleBy = Date.now() + opts.settleMs;
    for (;;) {
      const { rows } = await sql<{ waiting: string; open: string; unfanned: string }>`
        select (select count(*) from orders where tenant_id = ${seeded.tenantId} and state = 'waiting') as waiting,
          (select count(*) from event_deliveries where subscription_id = ${seeded.subscriptionId} and status <> 'succeeded') as open,
          (select count(*) from events where tenant_id = ${seeded.tenantId} and not fanned_out) as unfanned`.execute(
        db,
      );
      const state = rows[0]!;
      if (Number(state.waiting) + Number(state.open) + Number(state.unfanned) === 0) break;
      if (Date.now() > settleBy) {
        log(`not settled: ${JSON.stringify(state)}`);
        break;
      }
      await pause(200);
    }
    return await count(opts.database, seeded, outcomes, {
      apiKills,
      workerKills,
      seconds: loadSeconds,
      stock: opts.stock,
      run,
    });
  } finally {
    // every node this process started, including one whose start failed beside the others
    await Promise.all([...children].map((child) => (child.kill('SIGKILL'), exited(child))));
    await seeded.receiver.close();
  }
}

async function count(
  database: Database,
  seeded: Seeded,
  outcomes: Outcome[],
  extra: { apiKills: number; workerKills: number; seconds: number; stock: number; run: string },
): Promise<Figures> {
  const db = database.db;
  const acknowledged = outcomes.filter((o) => o.orderId);
  const { rows: orders } = await sql<{ id: string; external_id: string; state: string }>`
    select id, external_id, state from orders where tenant_id = ${seeded.tenantId}`.execute(db);
  const byId = new Map(orders.map((o) => [o.id, o]));
  const perExternal = new Map<string, number>();
  for (const order of orders) perExternal.set(order.external_id, (perExternal.get(order.external_id) ?? 0) + 1);
  const ackedExternal = new Set(acknowledged.map((o) => orderBody(o.index, extra.run).externalId));
  const lost = acknowledged.filter((o) => !byId.has(o.orderId!)).length;
  const duplicated = [...perExternal.values()].filter((n) => n > 1).length;
  // an order nobody was told about (a refused or unanswered request that still wrote one)
  const unexpected = orders.filter((o) => !ackedExternal.has(o.external_id)).length;

  const { rows: events } = await sql<{ id: string }>`
    select id from events where tenant_id = ${seeded.tenantId} and type like 'order.%'`.execute(db);
  const received = events.filter((e) => seeded.receiver.handledIds.has(e.id)).length;

  // a timer that fired twice would show as two process.timer entries in the order's history
  const { rows: timers } = await sql<{ order_id: string; fired: string }>`
    select order_id, count(*) as fired from order_history
    where tenant_id = ${seeded.tenantId} and action = 'process.timer' group by order_id`.execute(db);
  const violations = await checkStockInvariants(db, { tenantId: seeded.tenantId });
  // what the stock row says is reserved, and what the orders that got their cups asked for
  const { rows: levels } = await sql<{ on_hand: number; reserved: number }>`
    select on_hand, reserved from stock_levels where tenant_id = ${seeded.tenantId}`.execute(db);
  const { rows: asked } = await sql<{ units: string | null }>`
    select sum(l.quantity) as units from order_lines l join orders o on o.tenant_id = l.tenant_id and o.id = l.order_id
    where o.tenant_id = ${seeded.tenantId} and o.state in ('waiting', 'done')`.execute(db);
  // per order: what its live reservations hold against what it asked. A short order may hold part
  // of its cups (the last units when stock ran out); no order may hold more than it asked.
  const { rows: holdings } = await sql<{ state: string; asked: string; held: string }>`
    select o.state,
      (select sum(l.quantity) from order_lines l where l.tenant_id = o.tenant_id and l.order_id = o.id) as asked,
      (select coalesce(sum(r.quantity), 0) from stock_reservations r
        where r.tenant_id = o.tenant_id and r.order_id = o.id and r.status = 'active') as held
    from orders o where o.tenant_id = ${seeded.tenantId}`.execute(db);
  const heldUnits = holdings.reduce((sum, h) => sum + Number(h.held), 0);
  const overHeld = holdings.filter((h) => Number(h.held) > Number(h.asked)).length;
  const fulfilledShort = holdings.filter(
    (h) => ['waiting', 'done'].includes(h.state) && Number(h.held) !== Number(h.asked),
  ).length;
  return {
    ordersAttempted: outcomes.length,
    ordersAcknowledged: acknowledged.length,
    ordersRefused: outcomes.filter((o) => !o.orderId && o.status >= 400).length,
    ordersLost: lost,
    ordersDuplicated: duplicated,
    ordersUnexpected: unexpected,
    retries: outcomes.reduce((sum, o) => sum + o.tries - 1, 0),
    events: events.length,
    eventsReceived: received,
    eventRequests: seeded.receiver.requests.length,
    timersFired: timers.length,
    timersTwice: timers.filter((t) => Number(t.fired) > 1).length,
    ordersWaiting: orders.filter((o) => o.state === 'waiting').length,
    stockViolations: violations.length,
    reservedUnits: levels.reduce((sum, level) => sum + level.reserved, 0),
    orderedUnits: Number(asked[0]?.units ?? 0),
    heldUnits,
    overHeld,
    fulfilledShort,
    onHand: levels.reduce((sum, level) => sum + level.on_hand, 0),
    apiKills: extra.apiKills,
    workerKills: extra.workerKills,
    seconds: extra.seconds,
    ordersPerSecond: acknowledged.length / extra.seconds,
  };
}
