import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execSync } from 'node:child_process';
import pg from 'pg';
import { onPostgres, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';

/**
 * docs/backup.md, done: a throw-away PostgreSQL cluster with WAL archiving, Ordo migrated and
 * orders placed through the API, a base backup (pg_basebackup), more orders, a noted time, more
 * orders, the cluster stopped, the base backup restored with recovery_target_time: exactly the
 * orders committed before that time are there. PostgreSQL refuses to run as root, so as root the
 * binaries run as the `postgres` user (runuser -u postgres --).
 */
const BIN = process.env.ORDO_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

function skipReason(): string | false {
  if (!onPostgres) return 'PostgreSQL only: set TEST_DATABASE_URL (the embedded database has ordo backup/restore)';
  for (const tool of ['initdb', 'pg_ctl', 'pg_basebackup'])
    if (!existsSync(join(BIN, tool))) return `PostgreSQL server binaries not found in ${BIN} (set ORDO_PG_BIN)`;
  if (process.getuid?.() === 0) {
    try {
      execSync('id -u postgres', { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no postgres user to run the PostgreSQL binaries as';
    }
  }
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

describe('PostgreSQL: base backup + WAL archive, point-in-time restore', () => {
  const asRoot = process.getuid?.() === 0;
  let root = '';
  let cluster = '';
  let base = '';
  let archive = '';
  const running = new Set<string>();
  let port = 0;
  let database: Database | null = null;
  let t: TestApp | null = null;

  /** A server binary, as postgres when we are root; bounded in time. */
  const pgTool = (tool: string, args: string[], timeoutMs = 60_000) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args], { timeout: timeoutMs })
      : run(join(BIN, tool), args, { timeout: timeoutMs });
  const start = async (dir: string) => {
    await pgTool(
      'pg_ctl',
      ['-D', dir, '-l', join(root, `${dir.split('/').pop()}.log`), '-w', '-t', '60', 'start'],
      90_000,
    );
    running.add(dir);
  };
  const stop = async (dir: string, mode = 'fast') => {
    await pgTool('pg_ctl', ['-D', dir, '-m', mode, '-w', 'stop']).catch(() => {});
    running.delete(dir);
  };
  const query = async <T extends pg.QueryResultRow>(text: string, db = 'ordo') => {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/${db}` });
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  };
  const place = async (...externalIds: string[]) => {
    for (const externalId of externalIds) {
      const created = await t!.call('POST', '/api/v1/orders', orderBody({ externalId }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  };

  after(async () => {
    // whatever happened: no server left running, no files left behind
    await t?.close().catch(() => {});
    await database?.close().catch(() => {});
    for (const dir of [...running]) await stop(dir, 'immediate');
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test(
    'restored to a time: the orders committed before it, none after',
    { skip: skipReason(), timeout: 240_000 },
    async () => {
      root = mkdtempSync(join(tmpdir(), 'ordo-pitr-'));
      cluster = join(root, 'cluster');
      base = join(root, 'base');
      archive = join(root, 'archive');
      mkdirSync(archive);
      if (asRoot)
        for (const dir of [root, archive])
          chownSync(dir, Number(execSync('id -u postgres')), Number(execSync('id -g postgres')));
      port = await freePort();
      await pgTool(
        'initdb',
        ['-D', cluster, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions'],
        120_000,
      );
      appendFileSync(
        join(cluster, 'postgresql.conf'),
        [
          `port = ${port}`,
          `listen_addresses = '127.0.0.1'`,
          `unix_socket_directories = '${root}'`,
          `wal_level = replica`,
          `archive_mode = on`,
          `archive_command = 'test ! -f ${archive}/%f && cp %p ${archive}/%f'`,
          `shared_buffers = 32MB`,
          `fsync = off`,
          '',
        ].join('\n'),
      );
      await start(cluster);
      await query('create database ordo', 'postgres');

      database = await openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/ordo`, poolSize: 4 });
      await migrateToLatest(database.db);
      t = await testApp({ database });
      await seedBasics(t);
      await place('BEFORE-BACKUP-1', 'BEFORE-BACKUP-2');

      await pgTool(
        'pg_basebackup',
        ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', base, '-X', 'stream', '-c', 'fast'],
        120_000,
      );

      await place('AFTER-BACKUP-1', 'AFTER-BACKUP-2');
      const { target } = (await query<{ target: string }>(`select clock_timestamp()::text as target`))[0]!;
      await place('AFTER-TARGET-1', 'AFTER-TARGET-2');
      // the segment holding the last commits goes to the archive before the cluster stops
      const { wal } = (await query<{ wal: string }>(`select pg_walfile_name(pg_switch_wal()) as wal`))[0]!;
      for (let waited = 0; !existsSync(join(archive, wal)); waited += 100) {
        if (waited > 30_000) throw new Error(`WAL segment ${wal} was not archived in 30 s`);
        await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      }
      await t.close();
      t = null;
      await database.close();
      database = null;
      await stop(cluster);

      // restore: the base backup, the archive as restore_command, the noted time as the target
      appendFileSync(
        join(base, 'postgresql.conf'),
        [
          `archive_mode = off`,
          `restore_command = 'cp ${archive}/%f %p'`,
          `recovery_target_time = '${target}'`,
          `recovery_target_action = 'promote'`,
          '',
        ].join('\n'),
      );
      writeFileSync(join(base, 'recovery.signal'), '');
      if (asRoot) execSync(`chown postgres:postgres ${join(base, 'recovery.signal')}`);
      await start(base);
      for (let waited = 0; ; waited += 200) {
        const { recovering } = (await query<{ recovering: boolean }>('select pg_is_in_recovery() as recovering'))[0]!;
        if (!recovering) break;
        if (waited > 60_000) throw new Error('recovery did not finish in 60 s');
        await new Promise((resolveWait) => setTimeout(resolveWait, 200));
      }
      const orders = await query<{ external_id: string }>('select external_id from orders order by external_id');
      assert.deepEqual(
        orders.map((o) => o.external_id),
        ['AFTER-BACKUP-1', 'AFTER-BACKUP-2', 'BEFORE-BACKUP-1', 'BEFORE-BACKUP-2'],
      );
      // and the restored database is one Ordo opens and finds migrated
      const restored = await openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/ordo`, poolSize: 2 });
      try {
        assert.deepEqual(await migrateToLatest(restored.db), [], 'nothing left to migrate');
      } finally {
        await restored.close();
      }
      assert.ok(readdirSync(archive).length > 0);
    },
  );
});
