import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eventSinksCommand } from '../../src/cli/event-sinks.js';
import { startWorker } from '../../src/worker/worker.js';
import type { EventSink } from '../../src/integrations/broker/sink.js';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';

/**
 * Issue 19: a worker registers its broker sinks before it starts (event_sinks), so events a sink
 * takes wait for the fan-out; `ordo event-sinks` lists them and removes one no worker serves any
 * more, after which such events are written fanned out again.
 */
describe('ordo event-sinks', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(() => t.close());

  const run = async (positionals: string[]) => {
    const lines: string[] = [];
    const code = await eventSinksCommand(t.database.db, positionals, (line) => lines.push(line));
    return { code, lines };
  };
  const unfanned = async () =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from events where not fanned_out`.execute(t.database.db)).rows[0]!
        .n,
    );
  const order = async (externalId: string) =>
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId }))).status, 201);

  test('a worker registers its sink, the sink’s events wait for the fan-out, and removing it stops that', async () => {
    assert.deepEqual((await run(['list'])).lines, [
      'no broker sink is registered: events nobody subscribed to are written fanned out',
    ]);
    const sink: EventSink = {
      name: 'kafka-erp',
      eventTypes: ['order.accepted'],
      publish: async () => ({ duplicate: false }),
      close: async () => {},
    };
    const worker = await startWorker({ db: t.database.db, jobs: t.services.jobs, sinks: [sink], pollMs: 60_000 });
    await worker.stop();
    const listed = await run(['list']);
    assert.equal(listed.code, 0);
    assert.equal(listed.lines.length, 1);
    assert.match(
      listed.lines[0]!,
      /^kafka-erp: order\.accepted; registered \d{4}-\d\d-\d\dT.*; 0 delivery\(ies\) open$/,
    );

    await order('SINK-1');
    assert.equal(await unfanned(), 1, 'order.accepted waits for the fan-out to the registered sink');

    const removed = await run(['remove', 'kafka-erp']);
    assert.equal(removed.code, 0);
    assert.match(removed.lines[0]!, /^sink kafka-erp removed/);
    await order('SINK-2');
    assert.equal(await unfanned(), 1, 'the next order’s events are written fanned out');
    assert.equal((await run(['remove', 'kafka-erp'])).code, 1);
  });

  test('without an action or a name, it prints its usage and exits 2', async () => {
    for (const positionals of [[], ['remove'], ['drop', 'x'], ['list', 'extra']])
      assert.deepEqual(await run(positionals), { code: 2, lines: ['usage: ordo event-sinks list | remove NAME'] });
  });
});
