import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import pg from 'pg';
import { connectionCounter, startPgProxy, zeroCounts, type WireCounts } from '../../bench/pg-proxy.js';

/**
 * bench/pg-proxy.ts counts what `bench:intake` reports per order (statements, round trips,
 * transactions) from the wire protocol between a client and PostgreSQL, so its counts are checked
 * against what a real client really sent to a real PostgreSQL.
 */
const url = process.env.TEST_DATABASE_URL;
const skip = url ? false : 'PostgreSQL only: the proxy speaks to a real PostgreSQL (set TEST_DATABASE_URL)';

describe('the counting PostgreSQL proxy of the benchmarks', { skip }, () => {
  let proxy: Awaited<ReturnType<typeof startPgProxy>>;
  let proxied: string;
  before(async () => {
    const target = new URL(url!);
    proxy = await startPgProxy({ host: target.hostname, port: Number(target.port || 5432) });
    target.host = `127.0.0.1:${proxy.port}`;
    proxied = target.toString();
  });
  after(async () => proxy.close());

  /** A proxy of its own that times statements, and the URL through it. */
  const timingProxy = async () => {
    const target = new URL(url!);
    const timed = await startPgProxy({ host: target.hostname, port: Number(target.port || 5432) }, true);
    target.host = `127.0.0.1:${timed.port}`;
    return { timed, through: target.toString() };
  };

  const delta = (from: WireCounts, to: WireCounts) => ({
    statements: to.statements - from.statements,
    control: to.control - from.control,
    roundTrips: to.roundTrips - from.roundTrips,
    transactions: to.transactions - from.transactions,
  });

  test('given a transaction of three statements, it counts three statements, two controls, one transaction and a round trip each', async () => {
    const client = new pg.Client({ connectionString: proxied });
    await client.connect();
    try {
      const before = proxy.snapshot();
      await client.query('begin');
      await client.query('select $1::int as n', [1]); // extended protocol
      await client.query(`select 'łódź' as city`); // simple query
      await client.query('select $1::text as s', ['Жёлтый']);
      await client.query('commit');
      assert.deepEqual(delta(before, proxy.snapshot()), {
        statements: 3,
        control: 2,
        roundTrips: 5,
        transactions: 1,
      });
    } finally {
      await client.end();
    }
  });

  test('given autocommit statements, each is its own transaction', async () => {
    const client = new pg.Client({ connectionString: proxied });
    await client.connect();
    try {
      const before = proxy.snapshot();
      await client.query('select 1');
      await client.query('select $1::int', [2]);
      assert.deepEqual(delta(before, proxy.snapshot()), {
        statements: 2,
        control: 0,
        roundTrips: 2,
        transactions: 2,
      });
    } finally {
      await client.end();
    }
  });

  test('given a connection, the backend pid it records is the one PostgreSQL serves it from', async () => {
    const client = new pg.Client({ connectionString: proxied });
    await client.connect();
    try {
      const pid = (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number;
      assert.ok(proxy.backendPids.has(pid), `${pid} not in ${[...proxy.backendPids].join(', ')}`);
    } finally {
      await client.end();
    }
  });

  test('given statements, the time each takes at the server is summed by its text, and an error leaves the next ones timed', async () => {
    const { timed, through } = await timingProxy();
    const client = new pg.Client({ connectionString: through });
    await client.connect();
    try {
      await client.query('select pg_sleep(0.05)');
      await client.query('select $1::int as n', [1]);
      await assert.rejects(client.query('select 1 / $1::int', [0]));
      await client.query('select $1::text as s', ['Żółw']);
      const times = timed.snapshotTimes();
      assert.equal(times.get('select pg_sleep(0.05)')?.calls, 1);
      // the server cannot answer a 50 ms sleep sooner than that
      assert.ok(times.get('select pg_sleep(0.05)')!.ms >= 50, `${times.get('select pg_sleep(0.05)')!.ms} ms`);
      assert.equal(times.get('select $1::int as n')?.calls, 1);
      assert.equal(times.has('select 1 / $1::int'), false, 'a statement that failed is not timed');
      assert.equal(times.get('select $1::text as s')?.calls, 1);
    } finally {
      await client.end();
      await timed.close();
    }
  });

  test('given pipelined statements, the one waiting behind another is timed from when that one finished', async () => {
    const { timed, through } = await timingProxy();
    const client = new pg.Client({ connectionString: through, pipeline: true } as pg.ClientConfig);
    await client.connect();
    try {
      const started = performance.now();
      await Promise.all([client.query('select pg_sleep(0.05)'), client.query('select pg_sleep(0.05), $1::int', [2])]);
      const wall = performance.now() - started;
      const times = timed.snapshotTimes();
      const first = times.get('select pg_sleep(0.05)')!;
      const second = times.get('select pg_sleep(0.05), $1::int')!;
      assert.equal(first.calls + second.calls, 2);
      // each statement's span starts where the one before it ended, so the spans never overlap and
      // together fit in the time the client waited (timed from its send, the second would span both
      // sleeps, and the two spans would add up to more than the wall time). No bound on one span by
      // itself: the proxy sees the first end a little after the server, so the second's can come
      // out under its 50 ms sleep on a busy machine (it did, 48.96 ms, in CI).
      assert.ok(first.ms + second.ms <= wall, `${first.ms} + ${second.ms} ms within ${wall} ms`);
      assert.ok(second.ms > 0, `${second.ms} ms`);
    } finally {
      await client.end();
      await timed.close();
    }
  });

  test('given the same traffic cut into one-byte pieces, the counts are the same as in whole chunks', async () => {
    // record a real session's bytes in both directions, then count them again a byte at a time
    const target = new URL(url!);
    const recorded: Array<['front' | 'back', Buffer]> = [];
    const recorder = net.createServer((socket) => {
      const db = net.connect({ host: target.hostname, port: Number(target.port || 5432) });
      socket.on('data', (chunk) => (recorded.push(['front', chunk]), db.write(chunk)));
      db.on('data', (chunk) => (recorded.push(['back', chunk]), socket.write(chunk)));
      socket.on('close', () => db.destroy());
      db.on('close', () => socket.destroy());
    });
    await new Promise<void>((done) => recorder.listen(0, '127.0.0.1', done));
    const through = new URL(url!);
    through.host = `127.0.0.1:${(recorder.address() as net.AddressInfo).port}`;
    const client = new pg.Client({ connectionString: through.toString() });
    await client.connect();
    await client.query('begin');
    await client.query('select repeat($1, 20000) as long', ['x']); // a DataRow over many chunks
    await client.query('select g from generate_series(1, 500) g');
    await client.query('commit');
    await client.query('select $1::text', ['zażółć']);
    await client.end();
    await new Promise<void>((done) => recorder.close(() => done()));

    const whole = zeroCounts();
    const wholeCounter = connectionCounter(whole);
    const pieces = zeroCounts();
    const piecesCounter = connectionCounter(pieces);
    for (const [side, chunk] of recorded) {
      wholeCounter[side === 'front' ? 'frontend' : 'backend'](chunk);
      for (let at = 0; at < chunk.length; at++)
        piecesCounter[side === 'front' ? 'frontend' : 'backend'](chunk.subarray(at, at + 1));
    }
    assert.deepEqual(whole, { statements: 3, control: 2, roundTrips: 5, transactions: 2, connections: 0 });
    assert.deepEqual(pieces, whole);
  });
});
