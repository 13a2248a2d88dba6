import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/store/db.js';
import { createScratchDatabase } from '../../src/store/scratch-database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { UnitOfWork } from '../../src/store/unit-of-work.js';
import { DatabaseUnavailableError, isPrimaryLost } from '../../src/store/failover.js';
import { onPostgres, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { freePort } from './cluster.js';

/**
 * The store's side of failover on the PostgreSQL the suite runs on, without an HA tool: a
 * multi-host URL whose other host refuses connections, a server that is read-only to new sessions
 * (what pg_auto_failover does to a promoted standby until the old primary is known demoted, and
 * what a demoted primary is), connections killed under a unit of work, a read replica that is
 * another database or none. The real failover is failover.test.ts.
 */
const skip = onPostgres
  ? false
  : 'PostgreSQL only: multi-host URLs and failover need PostgreSQL (set TEST_DATABASE_URL)';

async function admin(url: string, statement: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
}

/** The scratch database's URL with several hosts: dead ones around the live one. */
function multiHost(url: string, live: string, dead: number[]): string {
  const parsed = new URL(url);
  const hosts = [...dead.map((port) => `127.0.0.1:${port}`), live].join(',');
  return `postgres://${parsed.username ? `${parsed.username}@` : ''}${hosts}${parsed.pathname}?target_session_attrs=read-write`;
}

describe('multi-host DATABASE_URL', { skip }, () => {
  let scratch: { url: string; drop(): Promise<void> };
  let database: Database;
  let t: TestApp;
  let name: string;
  let live: string;

  before(async () => {
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!, 'ordo_mh');
    const parsed = new URL(scratch.url);
    name = parsed.pathname.slice(1);
    live = `${parsed.hostname}:${parsed.port || 5432}`;
    database = await openDatabase({
      url: multiHost(scratch.url, live, [await freePort()]),
      poolSize: 4,
      failoverWaitMs: 600,
    });
    await migrateToLatest(database.db);
    t = await testApp({ database });
    await seedBasics(t);
  });
  after(async () => {
    await t?.close();
    await database?.close();
    await scratch?.drop();
  });

  test('given a first host that refuses connections, when Ordo starts, then it works on the host that answers', async () => {
    assert.match(database.describe, /^PostgreSQL 127\.0\.0\.1:\d+,/);
    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'mh-1' }), {
      'idempotency-key': 'mh-1',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const port = (await sql<{ port: number }>`select inet_server_port() as port`.execute(database.db)).rows[0]!.port;
    assert.equal(String(port), live.split(':')[1]);
  });

  test('given the server turns read-only and drops its connections (a fenced or demoted node), then requests answer 503 DATABASE_UNAVAILABLE with Retry-After until it is writable again', async () => {
    await admin(process.env.TEST_DATABASE_URL!, `alter database ${name} set default_transaction_read_only = on`);
    await admin(
      process.env.TEST_DATABASE_URL!,
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`,
    );
    try {
      const refused = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'mh-2' }), {
        'idempotency-key': 'mh-2',
      });
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'DATABASE_UNAVAILABLE');
      assert.equal(refused.headers['retry-after'], '1');
      assert.match(refused.headers['content-type'] as string, /application\/problem\+json/);
      await assert.rejects(database.db.selectFrom('tenants').select('id').execute(), (error) => {
        assert.ok(error instanceof DatabaseUnavailableError, String(error));
        assert.match(error.message, /no read-write server among .*read-only/);
        return true;
      });
    } finally {
      await admin(process.env.TEST_DATABASE_URL!, `alter database ${name} reset default_transaction_read_only`);
    }
    // the same key again, as a client told to retry does: now it is placed, once
    const retried = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'mh-2' }), {
      'idempotency-key': 'mh-2',
    });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    const stored = await database.db
      .selectFrom('orders')
      .select('id')
      .where('tenant_id', '=', t.tenantId)
      .where('external_id', '=', 'mh-2')
      .execute();
    assert.equal(stored.length, 1);
  });

  test('given every host refuses connections, then a query fails as DatabaseUnavailableError after the wait, naming each host', async () => {
    const dead = await openDatabase({
      url: `postgres://postgres@127.0.0.1:${await freePort()},127.0.0.1:${await freePort()}/ordo`,
      failoverWaitMs: 300,
    });
    try {
      await assert.rejects(sql`select 1`.execute(dead.db), (error) => {
        assert.ok(error instanceof DatabaseUnavailableError, String(error));
        assert.ok(isPrimaryLost(error));
        assert.match(error.message, /127\.0\.0\.1:\d+ .*ECONNREFUSED|connect/);
        return true;
      });
    } finally {
      await dead.close();
    }
  });
});

describe('a unit of work that loses its connection', { skip }, () => {
  let scratch: { url: string; drop(): Promise<void> };
  let database: Database;

  before(async () => {
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!, 'ordo_uow');
    database = await openDatabase({ url: scratch.url, poolSize: 4 });
    await admin(scratch.url, 'create table probe (attempt int not null)');
    // fires at COMMIT: the server is lost while the commit is under way
    await admin(
      scratch.url,
      `create table probe_at_commit (n int);
       create function lose_at_commit() returns trigger language plpgsql as $$
       begin perform pg_terminate_backend(pg_backend_pid()); perform pg_sleep(1); return null; end $$;
       create constraint trigger lose_at_commit after insert on probe_at_commit
         deferrable initially deferred for each row execute function lose_at_commit();`,
    );
  });
  after(async () => {
    await database?.close();
    await scratch?.drop();
  });

  test('given the connection dies before COMMIT is sent, then the unit of work runs once more and commits once', async () => {
    let attempts = 0;
    const result = await UnitOfWork.run(database.db, async (work) => {
      attempts++;
      await sql`insert into probe (attempt) values (${attempts})`.execute(work.trx);
      if (attempts === 1) await sql`select pg_terminate_backend(pg_backend_pid()), pg_sleep(1)`.execute(work.trx);
      return attempts;
    });
    assert.equal(attempts, 2);
    assert.equal(result, 2);
    const rows = (await sql<{ attempt: number }>`select attempt from probe`.execute(database.db)).rows;
    assert.deepEqual(rows, [{ attempt: 2 }], 'the first attempt rolled back, the second committed');
  });

  test('given the connection dies during COMMIT, then the outcome is unknown: no second run, the error goes up as retryable', async () => {
    let attempts = 0;
    await assert.rejects(
      UnitOfWork.run(database.db, async (work) => {
        attempts++;
        await sql`insert into probe_at_commit (n) values (${attempts})`.execute(work.trx);
      }),
      (error) => {
        assert.ok(isPrimaryLost(error), String(error));
        return true;
      },
    );
    assert.equal(attempts, 1);
  });

  test('given an ordinary failure (a constraint), then the unit of work does not run again', async () => {
    let attempts = 0;
    await assert.rejects(
      UnitOfWork.run(database.db, async (work) => {
        attempts++;
        await sql`insert into probe (attempt) values (null)`.execute(work.trx);
      }),
      (error) => !isPrimaryLost(error),
    );
    assert.equal(attempts, 1);
  });
});

describe('read replica (ORDO_DATABASE_READ_URL)', { skip }, () => {
  let primaryScratch: { url: string; drop(): Promise<void> };
  let replicaScratch: { url: string; drop(): Promise<void> };
  let withReplica: Database;
  let replicaDown: Database;
  let t: TestApp;
  let down: TestApp;

  before(async () => {
    primaryScratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!, 'ordo_rp');
    // The "replica" is another database on the same server, migrated but empty: what a list
    // shows then tells which of the two answered it.
    replicaScratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!, 'ordo_rr');
    const replicaUrl = new URL(replicaScratch.url);
    replicaUrl.searchParams.set('application_name', 'ordo_replica');
    withReplica = await openDatabase({ url: primaryScratch.url, readUrl: replicaUrl.toString(), poolSize: 4 });
    await migrateToLatest(withReplica.db);
    const replicaOnly = await openDatabase({ url: replicaScratch.url, poolSize: 2 });
    await migrateToLatest(replicaOnly.db);
    await replicaOnly.close();
    replicaDown = await openDatabase({
      url: primaryScratch.url,
      readUrl: `postgres://postgres@127.0.0.1:${await freePort()},127.0.0.1:${await freePort()}/ordo?target_session_attrs=prefer-standby`,
      poolSize: 4,
    });
    t = await testApp({ database: withReplica });
    await seedBasics(t);
    for (const key of ['rp-1', 'rp-2'])
      assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: key }))).status, 201);
    down = await testApp({ database: replicaDown });
  });
  after(async () => {
    await t?.close();
    await down?.close();
    await withReplica?.close();
    await replicaDown?.close();
    await primaryScratch?.drop();
    await replicaScratch?.drop();
  });

  test('given a replica, then readDb reads from it and db from the primary', async () => {
    const name = sql<{ name: string }>`select current_setting('application_name') as name`;
    assert.equal((await name.execute(withReplica.readDb)).rows[0]!.name, 'ordo_replica');
    assert.notEqual((await name.execute(withReplica.db)).rows[0]!.name, 'ordo_replica');
  });

  test('given a replica, then order lists and reports are answered by it, single orders by the primary', async () => {
    const list = await t.call('GET', '/api/v1/orders');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.items, [], 'the replica (empty here) answered the list');
    const report = await t.call('GET', '/api/v1/reports/orders-summary?days=7');
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.ok(!JSON.stringify(report.body).includes('"web"'), 'no order of the primary in the replica report');
    const primaryOrders = await withReplica.db
      .selectFrom('orders')
      .select('id')
      .where('tenant_id', '=', t.tenantId)
      .execute();
    assert.equal(primaryOrders.length, 2);
    const one = await t.call('GET', `/api/v1/orders/${primaryOrders[0]!.id}`);
    assert.equal(one.status, 200, 'a single order is read from the primary (read-your-writes)');
  });

  test('given the replica is down, then lists fall back to the primary', async () => {
    const ordo = await down.call('GET', '/api/v1/orders');
    assert.equal(ordo.status, 200, JSON.stringify(ordo.body));
    // the other app's tenant is not this one's: seed one order here and list it
    await seedBasics(down);
    assert.equal((await down.call('POST', '/api/v1/orders', orderBody({ externalId: 'rd-1' }))).status, 201);
    const list = await down.call('GET', '/api/v1/orders');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.equal(list.body.items.length, 1);
    const again = await down.call('GET', '/api/v1/reports/orders-summary?days=7');
    assert.equal(again.status, 200, JSON.stringify(again.body));
  });
});
