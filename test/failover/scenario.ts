import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { orderBody, seedBasics, testApp } from '../support.js';
import type { Cluster, ClusterNode } from './cluster.js';

/**
 * Intake under load across a failover, as a client that keeps its promises would do it: each
 * order has its own Idempotency-Key and is sent again (same key, same body) after any answer that
 * is not 2xx, until it is acknowledged. The primary is killed (-9, pg_autoctl and postgres) once
 * `before` orders are acknowledged; the load goes on until `after` orders sent after the kill are
 * acknowledged. Then the new primary is read directly: every acknowledged order must be there,
 * once. Used by test/failover/failover.test.ts and bench/failover.ts.
 */

export interface FailoverFigures {
  acknowledged: number;
  acknowledgedBeforeKill: number;
  acknowledgedAfterKill: number;
  /** Acknowledged orders missing on the new primary (must be 0). */
  lost: number;
  /** Orders on the new primary beyond one per acknowledged key (must be 0). */
  duplicates: number;
  /** Orders on the new primary that no client saw acknowledged (must be 0: every client retries to the end). */
  unacknowledged: number;
  /** From the kill to the first acknowledged order sent after it. */
  failoverMs: number;
  /** From the kill until the standby takes a write, polled directly every 100 ms (the HA tool's own time). */
  promotedMs: number;
  /** Answers by status while it lasted (503s are the retryable DATABASE_UNAVAILABLE). */
  statuses: Record<string, number>;
  /** Answers that were neither 2xx nor a retryable 503 (must be 0). */
  unexpected: string[];
  /** 503 answers without Retry-After (must be 0). */
  missingRetryAfter: number;
  killed: string;
  newPrimary: string;
  /** The port Ordo's pool is connected to at the end (the new primary's). */
  ordoPort: number;
}

interface Ack {
  key: string;
  id: string;
  sentAt: number;
  at: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFailoverScenario(
  cluster: Cluster,
  opts: { clients?: number; before?: number; after?: number; timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<FailoverFigures> {
  const clients = opts.clients ?? 4;
  const before = opts.before ?? 20;
  const after = opts.after ?? 20;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const log = opts.log ?? (() => {});

  const database = await openDatabase({
    url: cluster.url,
    poolSize: 8,
    failoverWaitMs: 2_000,
    onFailover: (message) => log(message),
  });
  const t = await (async () => {
    await migrateToLatest(database.db);
    return testApp({ database });
  })().catch(async (error) => {
    await database.close();
    throw error;
  });
  try {
    await seedBasics(t);
    const acks: Ack[] = [];
    const statuses: Record<string, number> = {};
    const unexpected: string[] = [];
    let missingRetryAfter = 0;
    let killedAt = 0;
    let stop = false;

    const client = async (index: number) => {
      for (let n = 0; !stop; n++) {
        const key = `fo-${index}-${n}`;
        const body = orderBody({ externalId: key });
        const sentAt = Date.now();
        for (;;) {
          if (Date.now() > deadline) throw new Error(`order ${key} not acknowledged before the deadline`);
          const res = await t.call('POST', '/api/v1/orders', body, { 'idempotency-key': key });
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status >= 200 && res.status < 300) {
            acks.push({ key, id: res.body.id, sentAt, at: Date.now() });
            break;
          }
          if (res.status === 503 && res.body?.code === 'DATABASE_UNAVAILABLE') {
            if (!res.headers['retry-after']) missingRetryAfter++;
          } else if (unexpected.length < 20) unexpected.push(`${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          // Retry-After says 1 s; a test has no need to wait that long between tries
          await sleep(100);
        }
      }
    };
    const load = Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
    const failed = load.then(
      () => null,
      (error: unknown) => error as Error,
    );

    const waitFor = async (what: string, ok: () => boolean) => {
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        const error = await Promise.race([failed, sleep(50).then(() => undefined)]);
        if (error) throw error;
      }
    };

    await waitFor(`${before} orders before the kill`, () => acks.length >= before);
    const old = await cluster.primary();
    const other = cluster.nodes.find((node) => node !== old)!;
    cluster.kill(old);
    killedAt = Date.now();
    log(`killed ${old.name} (port ${old.port}) after ${acks.length} orders`);
    const promoted = writableAfter(cluster.nodeUrl(other), killedAt, deadline);
    const afterKill = () => acks.filter((ack) => ack.sentAt >= killedAt);
    await waitFor(`${after} orders after the kill`, () => afterKill().length >= after);
    stop = true;
    const error = await failed;
    if (error) throw error;
    await load.catch(() => {});

    const firstAfter = Math.min(...afterKill().map((ack) => ack.at));
    const promotedMs = await promoted;
    const newPrimary: ClusterNode = await cluster.primary();
    const ordoPort = Number(
      (await sql<{ port: number }>`select inet_server_port() as port`.execute(database.db)).rows[0]!.port,
    );

    // The new primary, read directly (not through Ordo).
    const direct = new pg.Client({ connectionString: cluster.nodeUrl(other) });
    await direct.connect();
    let rows: Array<{ id: string; external_id: string }>;
    try {
      rows = (
        await direct.query<{ id: string; external_id: string }>(
          'select id::text, external_id from orders where tenant_id = $1',
          [t.tenantId],
        )
      ).rows;
    } finally {
      await direct.end();
    }
    const stored = new Map<string, number>();
    for (const row of rows) stored.set(row.external_id, (stored.get(row.external_id) ?? 0) + 1);
    const storedIds = new Set(rows.map((row) => row.id));
    const ackedKeys = new Set(acks.map((ack) => ack.key));
    return {
      acknowledged: acks.length,
      acknowledgedBeforeKill: acks.filter((ack) => ack.at < killedAt).length,
      acknowledgedAfterKill: acks.filter((ack) => ack.at >= killedAt).length,
      lost: acks.filter((ack) => !storedIds.has(ack.id)).length,
      duplicates: [...stored.values()].reduce((sum, count) => sum + count - 1, 0),
      unacknowledged: [...stored.keys()].filter((key) => !ackedKeys.has(key)).length,
      failoverMs: firstAfter - killedAt,
      promotedMs,
      statuses,
      unexpected,
      missingRetryAfter,
      killed: old.name,
      newPrimary: newPrimary.name,
      ordoPort,
    };
  } finally {
    await t.close();
    await database.close();
  }
}

/** Milliseconds from `since` until the server at url is writable (transaction_read_only off). */
async function writableAfter(url: string, since: number, deadline: number): Promise<number> {
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      const { rows } = await client.query<{ read_only: string }>(
        "select current_setting('transaction_read_only') as read_only",
      );
      if (rows[0]!.read_only === 'off') return Date.now() - since;
    } catch {
      /* not yet */
    } finally {
      await client.end().catch(() => {});
    }
    await sleep(100);
  }
  return Number.NaN;
}
