import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock, testApp, type TestApp } from '../support.js';
import { cancelTimer, JobRegistry, scheduleTimer } from '../../src/app/events/timers.js';
import { emitEvent } from '../../src/app/events/emit-event.js';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { atomically, type TenantScope } from '../../src/store/tenant-scope.js';

describe('durable timers and jobs', () => {
  let t: TestApp;
  const clock = fixedClock('2026-03-02T08:00:00Z');
  const ran: string[] = [];
  let flaky = 2;
  const registry = new JobRegistry([
    {
      kind: 'task.escalate',
      run: async ({ tx, job }) => {
        ran.push(String(job.payload.taskId));
        await emitEvent(tx, {
          type: 'task.opened',
          subject: `task:${job.payload.taskId}-esc`,
          payload: { taskId: `${job.payload.taskId}-esc`, kind: 'escalation' },
        });
      },
    },
    {
      // polls and reschedules itself under its own key, as channel polling does, three times
      kind: 'channel.poll',
      run: async ({ tx, job, now }) => {
        ran.push(`poll-${job.payload.n}`);
        const n = Number(job.payload.n);
        if (n < 3)
          await scheduleTimer(tx, {
            kind: 'channel.poll',
            key: 'channel-poll:C-1',
            runAt: new Date(now.getTime() + 60_000),
            payload: { n: n + 1 },
          });
      },
    },
    {
      kind: 'reservation.expire',
      run: async ({ tx, job }) => {
        // Writes first, then fails: the write must be rolled back with the failed attempt.
        await emitEvent(tx, {
          type: 'stock.released',
          subject: String(job.payload.orderId),
          payload: { orderId: String(job.payload.orderId), reason: 'expired', reservations: [] },
        });
        if (flaky-- > 0) throw new Error('magazyn chwilowo niedostępny');
      },
    },
  ]);
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  const runner = () =>
    new JobsRunner({ db: t.database.db, clock, registry, retry: { baseMs: 60_000, maxMs: 600_000 } });
  const jobRow = (id: string) => t.store.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  test('given a timer due later, it runs only once its time has come, exactly once, with its effects committed', async () => {
    const id = await atomically(t.store, (tx) =>
      scheduleTimer(tx, { kind: 'task.escalate', runAt: new Date('2026-03-02T09:00:00Z'), payload: { taskId: 'T-1' } }),
    );
    assert.equal(await runner().runDue(), 0);
    clock.set('2026-03-02T09:00:01Z');
    assert.equal(await runner().runDue(), 1);
    assert.equal(await runner().runDue(), 0);
    assert.deepEqual(ran, ['T-1']);
    const job = await jobRow(id);
    assert.equal(job.status, 'done');
    assert.equal(job.attempts, 1);
    const events = await t.store.selectFrom('events').select('subject').where('type', '=', 'task.opened').execute();
    assert.deepEqual(
      events.map((e) => e.subject),
      ['task:T-1-esc'],
    );
  });

  test('given a job that schedules its next run under its own key, the chain goes on: each run makes the next live row', async () => {
    clock.set('2026-03-05T08:00:00Z');
    await atomically(t.store, (tx) =>
      scheduleTimer(tx, { kind: 'channel.poll', key: 'channel-poll:C-1', runAt: clock.now(), payload: { n: 1 } }),
    );
    for (let minute = 0; minute < 4; minute++) {
      await runner().runDue();
      clock.set(new Date(clock.now().getTime() + 61_000).toISOString());
    }
    assert.deepEqual(
      ran.filter((r) => r.startsWith('poll-')),
      ['poll-1', 'poll-2', 'poll-3'],
    );
    const rows = await t.store.selectFrom('jobs').select(['status']).where('key', '=', 'channel-poll:C-1').execute();
    assert.deepEqual(rows.map((r) => r.status).sort(), ['done', 'done', 'done']);
  });

  test('given the same key scheduled twice, one live timer remains at the later time; a cancelled timer never runs', async () => {
    const a = await atomically(t.store, (tx) =>
      scheduleTimer(tx, {
        kind: 'task.escalate',
        key: 'due:T-2',
        runAt: new Date('2026-03-02T10:00:00Z'),
        payload: { taskId: 'T-2' },
      }),
    );
    const b = await atomically(t.store, (tx) =>
      scheduleTimer(tx, {
        kind: 'task.escalate',
        key: 'due:T-2',
        runAt: new Date('2026-03-02T12:00:00Z'),
        payload: { taskId: 'T-2b' },
      }),
    );
    assert.equal(a, b);
    clock.set('2026-03-02T11:00:00Z');
    assert.equal(await runner().runDue(), 0);
    clock.set('2026-03-02T12:00:00Z');
    await runner().runDue();
    assert.deepEqual(ran.slice(-1), ['T-2b']);

    await atomically(t.store, (tx) =>
      scheduleTimer(tx, {
        kind: 'task.escalate',
        key: 'due:T-3',
        runAt: new Date('2026-03-02T12:30:00Z'),
        payload: { taskId: 'T-3' },
      }),
    );
    assert.equal(await atomically(t.store, (tx) => cancelTimer(tx, { key: 'due:T-3' })), true);
    assert.equal(await atomically(t.store, (tx) => cancelTimer(tx, { key: 'due:T-3' })), false);
    clock.set('2026-03-02T13:00:00Z');
    assert.equal(await runner().runDue(), 0);
    assert.ok(!ran.includes('T-3'));
  });

  test('given a handler that fails, its writes are rolled back and it is retried with backoff until it succeeds', async () => {
    const id = await atomically(t.store, (tx) =>
      scheduleTimer(tx, {
        kind: 'reservation.expire',
        runAt: clock.now(),
        payload: { orderId: 'O-1' },
        maxAttempts: 5,
      }),
    );
    assert.equal(await runner().runDue(), 1);
    let job = await jobRow(id);
    assert.equal(job.status, 'scheduled');
    assert.equal(job.attempts, 1);
    assert.equal(job.last_error, 'magazyn chwilowo niedostępny');
    const delay = new Date(job.run_at).getTime() - clock.now().getTime();
    assert.ok(delay >= 30_000 && delay <= 60_000, `first retry after ${delay} ms`);
    assert.equal(await runner().runDue(), 0, 'not before its retry time');
    clock.advance(60_000);
    await runner().runDue();
    job = await jobRow(id);
    const delay2 = new Date(job.run_at).getTime() - clock.now().getTime();
    assert.ok(delay2 >= 60_000 && delay2 <= 120_000, `second retry after ${delay2} ms`);
    clock.advance(120_000);
    await runner().runDue();
    job = await jobRow(id);
    assert.equal(job.status, 'done');
    assert.equal(job.attempts, 3);
    const released = await t.store.selectFrom('events').select('id').where('type', '=', 'stock.released').execute();
    assert.equal(released.length, 1, 'only the successful attempt left its event');
  });

  test('given a job kind nobody handles, it fails after its attempts and records why', async () => {
    const id = await atomically(t.store, (tx) =>
      scheduleTimer(tx, { kind: 'nobody.home', runAt: clock.now(), maxAttempts: 1 }),
    );
    await runner().runDue();
    const job = await jobRow(id);
    assert.equal(job.status, 'failed');
    assert.match(job.last_error!, /no handler is defined for job kind nobody.home/);
  });
  test('given timers scheduled and cancelled with defer, the closing statement writes the last per key, cancels live ones, never writes a cancelled or rolled-back one, and moves a live one', async () => {
    const at = (minutes: number) => new Date(clock.now().getTime() + minutes * 60_000);
    const keys = ['due:T-4', 'due:T-5', 'due:T-6', 'due:T-7', 'due:T-8', 'due:T-9'];
    const live = (scope: TenantScope = t.store) =>
      scope
        .selectFrom('jobs')
        .select(['key', 'run_at', 'payload'])
        .where('key', 'in', keys)
        .where('status', '=', 'scheduled')
        .orderBy('key')
        .execute();
    const [movedId] = await atomically(t.store, (tx) =>
      Promise.all(
        ['T-4', 'T-8', 'T-9'].map((taskId) =>
          scheduleTimer(tx, { kind: 'task.escalate', key: `due:${taskId}`, runAt: at(60), payload: { taskId } }),
        ),
      ),
    );
    await atomically(t.store, async (tx) => {
      const held = (key: string, minutes: number, taskId: string) =>
        scheduleTimer(tx, { kind: 'task.escalate', key, runAt: at(minutes), payload: { taskId }, defer: true });
      await held('due:T-4', 120, 'T-4b');
      await held('due:T-5', 30, 'T-5');
      await held('due:T-5', 45, 'T-5b');
      await held('due:T-6', 50, 'T-6');
      assert.equal(await cancelTimer(tx, { key: 'due:T-6', defer: true }), null, 'cancelled by the closing statement');
      // a live timer cancelled, and one cancelled then scheduled again (which moves it)
      assert.equal(await cancelTimer(tx, { key: 'due:T-8', defer: true }), null);
      await cancelTimer(tx, { key: 'due:T-9', defer: true });
      await held('due:T-9', 90, 'T-9b');
      await assert.rejects(
        atomically(tx, async (inner) => {
          await scheduleTimer(inner, {
            kind: 'task.escalate',
            key: 'due:T-7',
            runAt: at(50),
            payload: { taskId: 'T-7' },
            defer: true,
          });
          throw new Error('wycofane');
        }),
        /wycofane/,
      );
      // nothing is written before the closing statement: the live timer is still where it was
      assert.deepEqual(
        (await live(tx)).map((job) => [job.key, job.run_at.toISOString()]),
        ['due:T-4', 'due:T-8', 'due:T-9'].map((key) => [key, at(60).toISOString()]),
      );
    });
    assert.deepEqual(
      (await live()).map((job) => [job.key, job.run_at.toISOString(), (job.payload as { taskId: string }).taskId]),
      [
        ['due:T-4', at(120).toISOString(), 'T-4b'],
        ['due:T-5', at(45).toISOString(), 'T-5b'],
        ['due:T-9', at(90).toISOString(), 'T-9b'],
      ],
    );
    assert.equal((await jobRow(movedId!)).run_at.toISOString(), at(120).toISOString(), 'the live timer itself moved');
    clock.set(at(120).toISOString());
    await runner().runDue();
    assert.deepEqual(
      ['T-4', 'T-4b', 'T-5', 'T-5b', 'T-6', 'T-7', 'T-8', 'T-9', 'T-9b'].filter((taskId) => ran.includes(taskId)),
      ['T-4b', 'T-5b', 'T-9b'],
    );
  });
});
