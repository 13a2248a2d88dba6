/**
 * npm run bench:nodes — several nodes on one PostgreSQL under kill -9: 2 API nodes
 * (`ordo serve --no-worker`) and 2 worker nodes (`ordo worker`) as child processes (bin/ordo.js:
 * dist/ when built and current, else tsx); clients place orders over HTTP, alternating API nodes,
 * retrying on the other node with the same Idempotency-Key, while one API node and one worker are
 * killed with SIGKILL and restarted BENCH_KILLS times (default 5). Prints orders acknowledged,
 * lost, duplicated, events delivered, timers fired, kills done and throughput. Each order reserves
 * stock, takes a one-second process timer (run by a worker) and sends its events to a local
 * webhook receiver. BENCH_CLIENTS (8), BENCH_ORDERS (minimum, 300), BENCH_KILL_EVERY_MS (2000).
 */
import { openDatabase } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { runCluster } from '../test/nodes/cluster.js';
import { scratchDatabase } from './lib.js';

const scratch = await scratchDatabase();
const opened = await openDatabase({ url: scratch.url, poolSize: 8 });
await migrateToLatest(opened.db);
const database = { ...opened, url: scratch.url };
const clients = Number(process.env.BENCH_CLIENTS ?? 8);
try {
  const figures = await runCluster({
    database,
    orders: Number(process.env.BENCH_ORDERS ?? 300),
    clients,
    kills: Number(process.env.BENCH_KILLS ?? 5),
    killEveryMs: Number(process.env.BENCH_KILL_EVERY_MS ?? 2_000),
    thinkMs: 0,
    stock: 1_000_000,
    settleMs: 120_000,
    log: (line) => console.log(`  ${line}`),
  });
  console.log(`
2 API + 2 worker nodes on PostgreSQL, ${clients} clients, one API node and one worker killed (SIGKILL) ${figures.apiKills} + ${figures.workerKills} times
  orders        ${figures.ordersAttempted} placed, ${figures.ordersAcknowledged} acknowledged, ${figures.ordersRefused} refused, ${figures.ordersLost} lost, ${figures.ordersDuplicated} duplicated, ${figures.ordersUnexpected} unacknowledged but stored; ${figures.retries} retries after a dead node
  throughput    ${figures.ordersPerSecond.toFixed(1)} acknowledged orders/s over ${figures.seconds.toFixed(1)} s (node restarts included)
  events        ${figures.eventsReceived}/${figures.events} delivered to the receiver (${figures.eventRequests} requests: ${figures.eventRequests - figures.eventsReceived} redeliveries deduped by event id)
  timers        ${figures.timersFired} fired, ${figures.timersTwice} twice, ${figures.ordersWaiting} still waiting
  stock         ${figures.reservedUnits} reserved = ${figures.heldUnits} held by orders (${figures.orderedUnits} by fulfilled ones; ${figures.overHeld} holding more than asked); ${figures.stockViolations} invariant violations`);
} finally {
  await opened.close();
  await scratch.drop();
}
