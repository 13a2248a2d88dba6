import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { compose } from '../../src/compose.js';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { startKsefFake, type KsefFake } from '../../src/integrations/einvoice/testing/ksef-fake.js';

const NIP = '5265877635';
const TOKEN = '20261201-EC-2A1B3C4D5E-6F7A8B9C0D-11|nip-5265877635|0123456789abcdef';
const KSEF_NUMBER = /^5265877635-\d{8}-[0-9A-F]{12}-[0-9A-F]{2}$/;

describe('KSeF submission job against the local KSeF server', () => {
  let t: TestApp;
  let fake: KsefFake;
  const clock = fixedClock('2026-12-03T09:00:00Z');
  let runner: JobsRunner;

  before(async () => {
    fake = await startKsefFake({ tokens: { [TOKEN]: NIP }, processingPolls: 1 });
    t = await testApp({ clock });
    await seedBasics(t);
    const jobs = compose({
      clock,
      ksef: { baseUrl: fake.baseUrl, token: TOKEN, pollIntervalMs: 5, maxPolls: 5, timeoutMs: 2_000 },
    }).jobs;
    runner = new JobsRunner({ db: t.database.db, clock, registry: jobs });
    for (const [code, series] of [
      ['PL1', 'FV'],
      ['PL2', 'FV'], // the same NIP and series as PL1: its numbers are PL1's, KSeF refuses them as duplicates
    ])
      assert.equal(
        (
          await t.call('PUT', `/api/v1/sellers/${code}`, {
            name: 'Ordo Sp. z o.o.',
            taxId: NIP,
            address: { line1: 'ul. Prosta 51', city: 'Warszawa', postalCode: '00-838', country: 'PL' },
            country: 'PL',
            invoiceSeries: series,
            ksef: true,
            isDefault: code === 'PL1',
          })
        ).status,
        200,
      );
  });
  after(async () => {
    await t.close();
    await fake.close();
  });

  const issue = async (seller: string) => {
    const order = await t.call('POST', '/api/v1/orders', orderBody());
    assert.equal(order.status, 201, JSON.stringify(order.body));
    const orderId = (order.body as { id: string }).id;
    const r = await t.call('POST', `/api/v1/orders/${orderId}/invoices`, { kind: 'invoice', seller });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const invoice = r.body as { id: string; number: string; ksef: { status: string } };
    assert.equal(invoice.ksef.status, 'queued');
    return { orderId, ...invoice };
  };
  const row = (id: string) => t.store.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const job = (id: string) =>
    t.store.selectFrom('jobs').selectAll().where('key', '=', `ksef:${id}`).executeTakeFirstOrThrow();
  const history = async (orderId: string) =>
    (
      await t.store
        .selectFrom('order_history')
        .select(['action', 'changes', 'reason'])
        .where('order_id', '=', orderId)
        .where('action', 'like', 'invoice.ksef%')
        .orderBy('id')
        .execute()
    ).map((h) => h.action);
  const sentTimes = (number: string) => fake.received.filter((x) => x.includes(`<P_2>${number}</P_2>`)).length;

  test('Given an invoice of a KSeF seller, when the jobs run, then it is sent once, accepted, and keeps its KSeF number and UPO; its credit note names that number', async () => {
    const inv = await issue('PL1');
    assert.equal((await job(inv.id)).status, 'scheduled');
    await runner.runDue();
    const stored = await row(inv.id);
    assert.equal(stored.ksef_status, 'accepted', JSON.stringify(stored.ksef_error));
    assert.match(stored.ksef_number!, KSEF_NUMBER);
    assert.ok(stored.upo?.includes(`<NumerKSeFDokumentu>${stored.ksef_number}</NumerKSeFDokumentu>`));
    assert.ok(stored.upo?.includes(`<NumerFaktury>${inv.number}</NumerFaktury>`));
    assert.match(stored.ksef_reference!, /^\d{8}-SE-[0-9A-F-]+\/\d{8}-SE-[0-9A-F-]+$/);
    assert.equal(stored.ksef_error, null);
    assert.equal((await job(inv.id)).status, 'done');
    assert.equal(sentTimes(inv.number), 1);
    assert.deepEqual(await history(inv.orderId), ['invoice.ksef_sent', 'invoice.ksef_accepted']);
    const view = await t.call('GET', `/api/v1/invoices/${inv.id}`);
    assert.deepEqual((view.body as { ksef: unknown }).ksef, {
      status: 'accepted',
      number: stored.ksef_number,
      error: null,
    });

    const note = await t.call('POST', `/api/v1/invoices/${inv.id}/credit-notes`, {
      reason: 'Zwrot towaru',
      amount: '10.00',
    });
    assert.equal(note.status, 201, JSON.stringify(note.body));
    const noteId = (note.body as { id: string }).id;
    await runner.runDue();
    const credited = await row(noteId);
    assert.equal(credited.ksef_status, 'accepted', JSON.stringify(credited.ksef_error));
    assert.match(credited.ksef_number!, KSEF_NUMBER);
    const xml = fake.received.find((x) => x.includes(`<P_2>${credited.number}</P_2>`))!;
    assert.ok(xml.includes(`<NrKSeFFaKorygowanej>${stored.ksef_number}</NrKSeFFaKorygowanej>`));
  });

  test('Given KSeF rejects an invoice, when the job runs, then the invoice is rejected with KSeF’s reason and not sent again', async () => {
    const first = await issue('PL2'); // FV/…/000001 of seller PL2: PL1's first number, at the same NIP
    await runner.runDue();
    const stored = await row(first.id);
    assert.equal(stored.ksef_status, 'rejected');
    assert.equal(stored.ksef_number, null);
    assert.equal(stored.upo, null);
    const error = stored.ksef_error as { code: number; message: string; details: string[] };
    assert.equal(error.code, 440);
    assert.equal(error.message, 'Duplikat faktury');
    assert.ok(error.details.some((d) => d.startsWith('originalKsefNumber: ')));
    assert.deepEqual(await history(first.orderId), ['invoice.ksef_sent', 'invoice.ksef_rejected']);
    assert.equal((await job(first.id)).status, 'done');
    const view = await t.call('GET', `/api/v1/invoices/${first.id}`);
    assert.equal((view.body as { ksef: { status: string } }).ksef.status, 'rejected');
  });

  test('Given the answer to the send is lost, when the job runs, then the invoice is found by its hash and not sent twice', async () => {
    const inv = await issue('PL1');
    fake.fail('send', 'drop');
    await runner.runDue();
    const stored = await row(inv.id);
    assert.equal(stored.ksef_status, 'accepted', JSON.stringify(stored.ksef_error));
    assert.match(stored.ksef_number!, KSEF_NUMBER);
    assert.ok(stored.upo);
    assert.equal(sentTimes(inv.number), 1);
  });

  test('Given KSeF fails after the send, when the job runs again later, then it resumes from the stored reference without sending again', async () => {
    const inv = await issue('PL1');
    fake.fail('send', 'drop'); // the answer is lost …
    fake.fail('status', 'status-500'); // … and KSeF is down when its status is read
    await runner.runDue();
    const waiting = await row(inv.id);
    assert.equal(waiting.ksef_status, 'sent');
    assert.match(waiting.ksef_reference!, /\//);
    const error = waiting.ksef_error as { code: string; attempts: number; retryAt: string };
    assert.equal(error.code, 'KSEF_UNAVAILABLE');
    assert.equal(error.attempts, 1);
    assert.equal((await job(inv.id)).status, 'scheduled');
    assert.equal(await runner.runDue(), 0, 'not before its retry time');
    clock.set(error.retryAt);
    await runner.runDue();
    const stored = await row(inv.id);
    assert.equal(stored.ksef_status, 'accepted', JSON.stringify(stored.ksef_error));
    assert.ok(stored.upo?.includes(stored.ksef_number!));
    assert.equal(stored.ksef_error, null);
    assert.equal(sentTimes(inv.number), 1);
    assert.deepEqual(await history(inv.orderId), [
      'invoice.ksef_sent',
      'invoice.ksef_attempt_failed',
      'invoice.ksef_accepted',
    ]);
  });

  test('Given KSeF is not configured, when the job runs, then the invoice stays queued with the reason', async () => {
    const inv = await issue('PL1');
    const unconfigured = new JobsRunner({ db: t.database.db, clock, registry: compose({ clock }).jobs });
    await unconfigured.runDue();
    const stored = await row(inv.id);
    assert.equal(stored.ksef_status, 'queued');
    assert.match((stored.ksef_error as { message: string }).message, /ORDO_KSEF_URL/);
    assert.equal((await job(inv.id)).status, 'scheduled');
    clock.advance(60_000);
    await runner.runDue();
    assert.equal((await row(inv.id)).ksef_status, 'accepted');
  });
});
