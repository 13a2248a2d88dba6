/**
 * Payments end to end through Ordo, one shared suite run for each provider (Stripe, PayU,
 * Przelewy24, YooKassa): Ordo's API and notification endpoint on one side, the provider's local
 * fake over HTTP on the other (the real adapters, nothing of Ordo mocked), orders running the
 * shipped B2C process. Each test checks both sides: what Ordo reports and what the provider holds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  PROVIDERS,
  authorisedOrder,
  capture,
  decimal,
  history,
  isWrite,
  minor,
  newOrder,
  notify,
  order,
  orderPayments,
  ordoPayment,
  providerSide,
  refund,
  requestPayment,
  runDueJobs,
  startWorld,
  type ProviderCase,
  type World,
} from './provider-support.js';

let w: World;
before(async () => {
  w = await startWorld();
});
after(() => w.close());

const pct = (total: bigint, p: number) => {
  const v = (total * BigInt(p)) / 100n;
  return v > 0n ? v : 1n;
};

/** Ordo's money of one payment in minor units. */
function amountsOf(c: ProviderCase, p: any) {
  return {
    status: p.status as string,
    authorized: minor(p.authorized, c.currency),
    captured: minor(p.captured, c.currency),
    refunded: minor(p.refunded, c.currency),
    voided: minor(p.voided, c.currency),
  };
}

/** Both sides of an order's provider payment, for "nothing changed" comparisons. */
async function bothSides(c: ProviderCase, orderId: string, paymentId: string) {
  const view = await orderPayments(w, orderId);
  const p = view.payments.find((x: any) => x.id === paymentId);
  const provider = await providerSide(w, c, { id: paymentId, providerPaymentId: p.providerPaymentId });
  const fake = w.fakes.get(c.code)!;
  return { ordo: view, provider, refundCount: fake.refundCount(), paymentCount: fake.paymentCount() };
}

/** Provider requests that change something (lookups excluded: `providerSide` itself reads). */
const writesAt = (c: ProviderCase) => w.fakes.get(c.code)!.requests.filter(isWrite).length;

for (const c of PROVIDERS) {
  describe(`${c.name} through Ordo`, () => {
    const fake = () => w.fakes.get(c.code)!;

    test(`Given an order waiting for payment, When Ordo creates the payment at ${c.name} and the buyer pays, Then the signed notification authorises it, the payment status says so and the process moves on`, async () => {
      const o = await newOrder(w, c);
      const before = fake().paymentCount();
      const created = await requestPayment(w, c, o.id);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.payment.status, 'pending', 'the buyer has not paid yet');
      assert.equal(created.body.operation.status, 'succeeded');
      assert.equal(fake().paymentCount(), before + 1, 'the provider holds exactly one new payment');
      const paymentId: string = created.body.payment.id;

      fake().pay(paymentId, 'paid');
      const n = await notify(w, c.code, fake().notification('payment', paymentId));
      assert.equal(n.status, 200, JSON.stringify(n.body));
      assert.deepEqual(n.body, { received: 1, applied: 1, duplicates: 0, unchanged: 0 });

      const { payment, summary } = await ordoPayment(w, o.id, paymentId);
      assert.equal(payment.status, 'authorized');
      assert.equal(minor(payment.authorized, c.currency), o.total);
      assert.equal(summary.status, 'authorized');
      assert.equal(minor(summary.authorized, c.currency), o.total);
      assert.equal(minor(summary.paid, c.currency), 0n);
      const side = await providerSide(w, c, { id: paymentId, providerPaymentId: payment.providerPaymentId });
      assert.equal(side.status, 'authorized');
      assert.equal(fake().paymentCount(), before + 1, 'still exactly one payment at the provider');

      const v = await order(w, o.id);
      assert.notEqual(v.state, 'awaiting_payment', 'the process heard payment_authorized');
      assert.equal(v.state, 'fulfilling');
      const h = await history(w, o.id);
      const authorised = h.find((i) => i.action === 'payment.authorized');
      assert.ok(authorised, 'the authorisation is in the history');
      assert.equal(authorised.changes.paymentId, paymentId);
      assert.equal(authorised.changes.paymentStatus, 'authorized');
      assert.equal(authorised.actor.name, `payments:${c.code}`);
      assert.ok(
        h.some((i) => i.action === 'process.event' && JSON.stringify(i).includes('payment_authorized')),
        'the process recorded payment_authorized',
      );
    });

    // PayU captures at once only when the POS has auto-receive on (a shop setting, not per
    // order), and a Przelewy24 pre-authorisation POS always authorises first: one-step is
    // Stripe's automatic capture and YooKassa's capture: true.
    const oneStep = c.code === 'stripe' || c.code === 'yookassa';
    test(
      `Given capture: true, When the buyer pays at ${c.name}, Then the payment is captured in one step and the order is paid`,
      { skip: oneStep ? false : `${c.name} has no per-payment one-step capture (a POS setting)` },
      async () => {
        const o = await newOrder(w, c);
        const created = await requestPayment(w, c, o.id, { capture: true });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const paymentId: string = created.body.payment.id;
        fake().pay(paymentId, 'paid');
        const n = await notify(w, c.code, fake().notification('payment', paymentId));
        assert.equal(n.body.applied, 1, JSON.stringify(n.body));
        const { payment, summary } = await ordoPayment(w, o.id, paymentId);
        assert.equal(payment.status, 'captured');
        assert.equal(minor(payment.captured, c.currency), o.total);
        assert.equal(summary.status, 'paid');
        const side = await providerSide(w, c, { id: paymentId, providerPaymentId: payment.providerPaymentId });
        assert.equal(side.status, 'captured');
        assert.equal(side.captured, o.total);
        assert.equal((await order(w, o.id)).state, 'fulfilling', 'payment_captured moved the process on');
      },
    );

    test(`Given an authorised payment at ${c.name}, When captured in full and refunded partly and then the rest, Then the provider holds what Ordo reports, and too much is refused without touching either`, async () => {
      const o = await authorisedOrder(w, c);
      const ids = {
        id: o.paymentId,
        providerPaymentId: (await ordoPayment(w, o.id, o.paymentId)).payment.providerPaymentId,
      };

      // Above the authorisation: refused before the provider hears anything.
      let snap = await bothSides(c, o.id, o.paymentId);
      let writes = writesAt(c);
      const over = await capture(w, c, o.paymentId, o.total + 1n);
      assert.equal(over.status, 422, JSON.stringify(over.body));
      assert.equal(over.body.code, 'CAPTURE_EXCEEDS_AUTHORIZED');
      assert.equal(writesAt(c), writes, 'nothing was sent to the provider');
      assert.deepEqual(await bothSides(c, o.id, o.paymentId), snap, 'nothing changed at Ordo or the provider');

      const full = await capture(w, c, o.paymentId);
      assert.equal(full.status, 200, JSON.stringify(full.body));
      assert.equal(full.body.operation.status, 'succeeded');
      let { payment, summary } = await ordoPayment(w, o.id, o.paymentId);
      assert.deepEqual(amountsOf(c, payment), {
        status: 'captured',
        authorized: o.total,
        captured: o.total,
        refunded: 0n,
        voided: 0n,
      });
      assert.equal(summary.status, 'paid');
      let side = await providerSide(w, c, ids);
      assert.equal(side.status, 'captured');
      assert.equal(side.captured, o.total);

      const part = pct(o.total, 30);
      const r1 = await refund(w, c, o.id, o.paymentId, part);
      assert.ok(r1.status === 200 || r1.status === 202, JSON.stringify(r1.body));
      ({ payment, summary } = await ordoPayment(w, o.id, o.paymentId));
      assert.equal(minor(payment.refunded, c.currency), part);
      assert.equal(summary.status, 'partially_refunded');
      assert.equal(minor(summary.paid, c.currency), o.total - part);
      side = await providerSide(w, c, ids);
      assert.equal(side.refunded, part);
      assert.equal(side.refundRequests, 1);

      // More than is left: 422 and nothing changes on either side.
      snap = await bothSides(c, o.id, o.paymentId);
      writes = writesAt(c);
      const tooMuch = await refund(w, c, o.id, o.paymentId, o.total - part + 1n);
      assert.equal(tooMuch.status, 422, JSON.stringify(tooMuch.body));
      assert.equal(tooMuch.body.code, 'REFUND_EXCEEDS_CAPTURED');
      assert.equal(writesAt(c), writes);
      assert.deepEqual(await bothSides(c, o.id, o.paymentId), snap);

      const r2 = await refund(w, c, o.id, o.paymentId, o.total - part);
      assert.ok(r2.status === 200 || r2.status === 202, JSON.stringify(r2.body));
      ({ payment, summary } = await ordoPayment(w, o.id, o.paymentId));
      assert.equal(minor(payment.refunded, c.currency), o.total);
      assert.equal(summary.status, 'refunded');
      assert.equal(minor(summary.paid, c.currency), 0n);
      side = await providerSide(w, c, ids);
      assert.equal(side.refunded, o.total);
      assert.equal(side.refundRequests, 2);

      const oneMore = await refund(w, c, o.id, o.paymentId, 1n);
      assert.equal(oneMore.status, 422);
      assert.equal(oneMore.body.code, 'REFUND_EXCEEDS_CAPTURED');
      assert.equal((await providerSide(w, c, ids)).refundRequests, 2);
    });

    test(`Given an authorised payment at ${c.name}, When 60 % is captured, Then the rest is released on both sides, a refund above the 60 % is refused and a second capture is too`, async () => {
      const o = await authorisedOrder(w, c);
      const ids = {
        id: o.paymentId,
        providerPaymentId: (await ordoPayment(w, o.id, o.paymentId)).payment.providerPaymentId,
      };
      const take = pct(o.total, 60);
      const r = await capture(w, c, o.paymentId, take);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      let { payment, summary } = await ordoPayment(w, o.id, o.paymentId);
      assert.deepEqual(amountsOf(c, payment), {
        status: 'captured',
        authorized: o.total,
        captured: take,
        refunded: 0n,
        voided: o.total - take,
      });
      assert.equal(summary.status, 'partially_paid');
      assert.equal(minor(summary.authorized, c.currency), 0n, 'nothing stays authorised');
      let side = await providerSide(w, c, ids);
      assert.equal(side.status, 'captured');
      assert.equal(side.captured, take);

      const snap = await bothSides(c, o.id, o.paymentId);
      const writes = writesAt(c);
      const tooMuch = await refund(w, c, o.id, o.paymentId, pct(o.total, 70));
      assert.equal(tooMuch.status, 422, JSON.stringify(tooMuch.body));
      assert.equal(tooMuch.body.code, 'REFUND_EXCEEDS_CAPTURED');
      const again = await capture(w, c, o.paymentId, 1n);
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.equal(again.body.code, 'PAYMENT_STATE_CONFLICT');
      assert.equal(writesAt(c), writes, 'neither reached the provider');
      assert.deepEqual(await bothSides(c, o.id, o.paymentId), snap);

      const first = pct(o.total, 25);
      assert.ok((await refund(w, c, o.id, o.paymentId, first)).status < 300);
      assert.ok((await refund(w, c, o.id, o.paymentId, take - first)).status < 300);
      ({ payment, summary } = await ordoPayment(w, o.id, o.paymentId));
      assert.equal(minor(payment.refunded, c.currency), take);
      assert.equal(summary.status, 'refunded');
      side = await providerSide(w, c, ids);
      assert.equal(side.refunded, take);
      assert.equal(side.refundRequests, 2);
    });

    test(`Given ${c.name} processes the create and the capture but the answers are lost, When the payment.operation job runs later, Then it finds them by the same key: one payment, one capture, Ordo's amounts right`, async () => {
      const o = await newOrder(w, c);
      const before = fake().paymentCount();
      fake().failNext('drop-after-processing', 1, isWrite);
      const created = await requestPayment(w, c, o.id);
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const op = created.body.operation;
      assert.equal(op.status, 'pending', 'the operation stays pending');
      assert.equal(op.attempts, 1);
      assert.equal(op.error.outcomeUnknown, true);
      assert.equal(op.error.code, 'PROVIDER_UNAVAILABLE');
      assert.equal(fake().paymentCount(), before + 1, 'the provider did create it');
      const paymentId: string = created.body.payment.id;
      let h = await history(w, o.id);
      assert.ok(h.some((i) => i.action === 'payment.attempt_failed' && i.changes.operationId === op.id));

      await runDueJobs(w);
      let view = await ordoPayment(w, o.id, paymentId);
      const done = view.payment.operations.find((x: any) => x.id === op.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.equal(done.attempts, 2);
      assert.ok(view.payment.providerPaymentId, 'the provider payment was found');
      assert.equal(fake().paymentCount(), before + 1, 'found, not created twice');

      fake().pay(paymentId, 'paid');
      assert.equal((await notify(w, c.code, fake().notification('payment', paymentId))).body.applied, 1);
      view = await ordoPayment(w, o.id, paymentId);
      assert.equal(view.payment.status, 'authorized');
      const ids = { id: paymentId, providerPaymentId: view.payment.providerPaymentId };

      const take = pct(o.total, 50);
      fake().failNext('drop-after-processing', 1, isWrite);
      const cap = await capture(w, c, paymentId, take);
      const capAttempts = c.capturesReadBack ? 1 : 2;
      if (c.capturesReadBack) {
        // The adapter reads the payment back after every capture: the lost answer is resolved
        // in the same attempt (the payment is captured at the provider), nothing is left to retry.
        assert.equal(cap.status, 200, JSON.stringify(cap.body));
        assert.equal(cap.body.operation.status, 'succeeded');
      } else {
        assert.equal(cap.status, 202, JSON.stringify(cap.body));
        assert.equal(cap.body.operation.status, 'pending');
        assert.equal(cap.body.operation.error.outcomeUnknown, true);
        assert.equal(minor(cap.body.payment.captured, c.currency), 0n, 'Ordo does not assume the capture happened');
        assert.equal((await providerSide(w, c, ids)).captured, take, 'the provider did capture');
      }

      await runDueJobs(w);
      view = await ordoPayment(w, o.id, paymentId);
      const capOp = view.payment.operations.find((x: any) => x.id === cap.body.operation.id);
      assert.equal(capOp.status, 'succeeded');
      assert.equal(capOp.attempts, capAttempts);
      assert.deepEqual(amountsOf(c, view.payment), {
        status: 'captured',
        authorized: o.total,
        captured: take,
        refunded: 0n,
        voided: o.total - take,
      });
      assert.equal(minor(view.summary.paid, c.currency), take);
      const side = await providerSide(w, c, ids);
      assert.equal(side.captured, take, 'captured once, not twice');
      assert.equal(side.captureRequests, 1, 'the retry used the same key (or found it captured)');
      assert.equal(fake().paymentCount(), before + 1);
      h = await history(w, o.id);
      assert.equal(
        h.filter((i) => i.action === 'payment.attempt_failed').length,
        1 + (capAttempts - 1),
        'the lost create, and the lost capture unless resolved at once',
      );
    });

    test(`Given ${c.name} answers 5xx and then hangs, When the job retries, Then every attempt is in the history and the third creates the payment once`, async () => {
      const o = await newOrder(w, c);
      const before = fake().paymentCount();
      fake().failNext('server-error', 1, isWrite);
      fake().failNext('hang', 1, isWrite);
      const created = await requestPayment(w, c, o.id);
      assert.equal(created.status, 202, JSON.stringify(created.body));
      assert.equal(created.body.operation.error.code, 'PROVIDER_UNAVAILABLE');
      assert.equal(created.body.operation.error.retryable, true);
      const paymentId: string = created.body.payment.id;

      await runDueJobs(w);
      const view = await ordoPayment(w, o.id, paymentId);
      const op = view.payment.operations[0];
      assert.equal(op.status, 'succeeded', JSON.stringify(op));
      assert.equal(op.attempts, 3);
      assert.equal(fake().paymentCount(), before + 1);
      const failed = (await history(w, o.id)).filter((i) => i.action === 'payment.attempt_failed');
      assert.deepEqual(
        failed.map((i) => [i.changes.attempt, i.changes.code]),
        [
          [1, 'PROVIDER_UNAVAILABLE'],
          [2, 'PROVIDER_TIMEOUT'],
        ],
      );
      assert.ok(failed.every((i) => i.reason.retryable === true));
    });

    test(`Given ${c.name} refuses the payment (4xx), Then the operation fails with the provider's reason and the process hears payment_failed`, async () => {
      const o = await newOrder(w, c);
      const before = fake().paymentCount();
      fake().failNext('reject', 1, isWrite);
      const created = await requestPayment(w, c, o.id);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const op = created.body.operation;
      assert.equal(op.status, 'failed');
      assert.equal(op.attempts, 1, 'a refusal is not retried');
      assert.equal(op.error.code, 'PROVIDER_REJECTED');
      assert.ok(op.error.providerMessages.length > 0);
      assert.ok(op.reason.includes(op.error.providerMessages[0]), `the provider's words are kept: ${op.reason}`);
      assert.equal(created.body.payment.status, 'failed');
      assert.equal(fake().paymentCount(), before);
      assert.equal((await order(w, o.id)).state, 'cancelled', 'payment_failed cancels the B2C order');
      const h = await history(w, o.id);
      assert.ok(h.some((i) => i.action === 'payment.failed'));
      assert.ok(h.some((i) => i.action === 'process.event' && JSON.stringify(i).includes('payment_failed')));
      await runDueJobs(w);
      assert.equal(fake().paymentCount(), before, 'the backstop job does not try a failed operation again');
    });

    test(`Given ${c.name} notifications, Then a forged or tampered one is 401 and changes nothing, a redelivery is a duplicate, no capture happens twice, and an unknown payment is 422`, async () => {
      const o = await newOrder(w, c);
      const created = await requestPayment(w, c, o.id);
      const paymentId: string = created.body.payment.id;
      fake().pay(paymentId, 'paid');
      const good = fake().notification('payment', paymentId);
      const snap = await orderPayments(w, o.id);
      const hLen = (await history(w, o.id)).length;

      const forged = await notify(w, c.code, c.forge(good));
      assert.equal(forged.status, 401, JSON.stringify(forged.body));
      assert.equal(forged.body.code, 'SIGNATURE_INVALID');
      assert.deepEqual(await orderPayments(w, o.id), snap, 'a forged notification changes nothing');
      assert.equal((await history(w, o.id)).length, hLen);

      if (c.tamper) {
        const tampered = { ...good, body: c.tamper(good.body) };
        assert.notEqual(tampered.body, good.body);
        const r = await notify(w, c.code, tampered);
        assert.equal(r.status, 401, JSON.stringify(r.body));
        assert.equal(r.body.code, 'SIGNATURE_INVALID');
        assert.deepEqual(await orderPayments(w, o.id), snap);
      } else {
        // YooKassa signs nothing: a body claiming the money was taken is only a hint, the
        // read-back at YooKassa decides (authorised, nothing captured).
        const claim = { ...good, body: good.body.replaceAll('waiting_for_capture', 'succeeded') };
        assert.notEqual(claim.body, good.body);
        const r = await notify(w, c.code, claim);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const p = (await ordoPayment(w, o.id, paymentId)).payment;
        assert.equal(p.status, 'authorized');
        assert.equal(minor(p.captured, c.currency), 0n, 'the claim did not capture anything');
      }

      const first = await notify(w, c.code, good);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const authorised = await orderPayments(w, o.id);
      assert.equal(authorised.payments[0].status, 'authorized');
      const second = await notify(w, c.code, good);
      assert.equal(second.status, 200);
      assert.equal(second.body.duplicates, 1, JSON.stringify(second.body));
      assert.deepEqual(await orderPayments(w, o.id), authorised, 'the redelivery changed nothing');

      assert.equal((await capture(w, c, paymentId)).status, 200);
      const captured = await orderPayments(w, o.id);
      assert.equal(minor(captured.payments[0].captured, c.currency), o.total);
      // The provider's notification of the capture, delivered twice: nothing is captured again.
      const capN = fake().notification('payment', paymentId);
      const a = await notify(w, c.code, capN);
      const b = await notify(w, c.code, capN);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(a.body.applied, 0, `the capture is not applied twice: ${JSON.stringify(a.body)}`);
      assert.equal(b.body.duplicates, 1, JSON.stringify(b.body));
      const after = await orderPayments(w, o.id);
      assert.equal(minor(after.payments[0].captured, c.currency), o.total);
      assert.equal(minor(after.summary.paid, c.currency), o.total);
      assert.equal(
        (await providerSide(w, c, { id: paymentId, providerPaymentId: after.payments[0].providerPaymentId })).captured,
        o.total,
      );

      // A payment made at the provider that Ordo never created.
      const key = randomUUID();
      const stranger = await w.adapters.get(c.code)!.createPayment({
        key,
        orderNumber: 'OBCY-1',
        amount: 5_000n,
        currency: c.currency,
        description: 'Nie nasze zamówienie',
        capture: false,
        buyer: { email: 'obcy@example.pl' },
        returnUrl: 'https://sklep.example/dziekujemy',
      });
      assert.ok(stranger.ok, stranger.ok ? '' : stranger.error.message);
      fake().pay(key, 'paid');
      const unknown = await notify(w, c.code, fake().notification('payment', key));
      assert.equal(unknown.status, 422, JSON.stringify(unknown.body));
      assert.equal(unknown.body.code, 'UNKNOWN_PAYMENT');
    });

    test(`Given random sequences of captures, refunds and transfers on one ${c.name} order (some too large), Then paid = captured − refunded, never negative nor above the total, refunds never above captures, the provider agrees, and every refusal changed nothing`, async () => {
      type Cmd =
        | { kind: 'capture'; pct: number | undefined }
        | { kind: 'refund'; pct: number }
        | { kind: 'transfer'; pct: number };
      const cmd: fc.Arbitrary<Cmd> = fc.oneof(
        fc.record({
          kind: fc.constant('capture' as const),
          pct: fc.option(fc.integer({ min: 1, max: 130 }), { nil: undefined }),
        }),
        fc.record({ kind: fc.constant('refund' as const), pct: fc.integer({ min: 1, max: 130 }) }),
        fc.record({ kind: fc.constant('transfer' as const), pct: fc.integer({ min: 1, max: 70 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 7 }), async (cmds) => {
          const o = await authorisedOrder(w, c);
          const first = await ordoPayment(w, o.id, o.paymentId);
          const ids = { id: o.paymentId, providerPaymentId: first.payment.providerPaymentId };
          // The model: what Ordo should have accepted.
          let providerCaptured: bigint | null = null; // null: still authorised
          let transfers = 0n;
          let refunded = 0n;
          for (const step of cmds) {
            const captured: bigint = (providerCaptured ?? 0n) + transfers;
            const paid: bigint = captured - refunded;
            const amount = step.pct === undefined ? undefined : pct(o.total, step.pct);
            let expectOk: boolean;
            let refusals: string[];
            if (step.kind === 'capture') {
              expectOk = providerCaptured === null && (amount ?? o.total) <= o.total;
              refusals = ['CAPTURE_EXCEEDS_AUTHORIZED', 'PAYMENT_STATE_CONFLICT'];
            } else if (step.kind === 'refund') {
              expectOk = amount! <= paid;
              refusals = ['REFUND_EXCEEDS_CAPTURED'];
            } else {
              // Recorded while the provider's authorisation is still open, a transfer would let
              // the capture overpay: see the overpayment test below; here it comes after.
              if (providerCaptured === null) continue;
              expectOk = paid + amount! <= o.total;
              refusals = ['OVERPAYMENT_NOT_ALLOWED'];
            }
            const before = await bothSides(c, o.id, o.paymentId);
            const writes = writesAt(c);
            const r =
              step.kind === 'capture'
                ? await capture(w, c, o.paymentId, amount)
                : step.kind === 'refund'
                  ? await refund(w, c, o.id, o.paymentId, amount!, { paidOut: true })
                  : await w.t.call('POST', `/api/v1/orders/${o.id}/payments`, {
                      method: 'transfer',
                      status: 'captured',
                      amount: decimal(amount!, c.currency),
                      reference: 'przelew',
                    });
            const what = `${step.kind} ${amount ?? 'all'} (paid ${paid} of ${o.total}): ${r.status} ${JSON.stringify(r.body)}`;
            if (r.status >= 400) {
              assert.equal(expectOk, false, `refused: ${what}`);
              assert.ok(refusals.includes(r.body.code), what);
              assert.equal(writesAt(c), writes, `a refusal reached the provider: ${what}`);
              assert.deepEqual(await bothSides(c, o.id, o.paymentId), before, `a refusal changed something: ${what}`);
              continue;
            }
            assert.equal(expectOk, true, `accepted: ${what}`);
            if (step.kind === 'capture') providerCaptured = amount ?? o.total;
            else if (step.kind === 'refund') refunded += amount!;
            else transfers += amount!;

            const view = await orderPayments(w, o.id);
            const s = Object.fromEntries(
              ['captured', 'refunded', 'paid', 'outstanding', 'overpaid'].map((k) => [
                k,
                minor(view.summary[k], c.currency),
              ]),
            ) as Record<string, bigint>;
            assert.equal(s.paid, s.captured! - s.refunded!, what);
            assert.equal(s.captured, (providerCaptured ?? 0n) + transfers, what);
            assert.equal(s.refunded, refunded, what);
            assert.ok(s.paid! >= 0n, `paid is negative: ${what}`);
            assert.ok(s.paid! <= o.total, `paid above the total: ${what}`);
            assert.equal(s.overpaid, 0n);
            assert.ok(s.refunded! <= s.captured!, what);
            for (const p of view.payments) {
              const a = amountsOf(c, p);
              assert.ok(a.refunded <= a.captured, `payment ${p.id} refunded more than it took: ${what}`);
              assert.equal(p.operations.filter((x: any) => x.status === 'pending').length, 0, what);
            }
            const mine = view.payments.find((p: any) => p.id === o.paymentId);
            const side = await providerSide(w, c, ids);
            assert.equal(side.captured, minor(mine.captured, c.currency), `the provider's capture: ${what}`);
            assert.equal(side.refunded, minor(mine.refunded, c.currency), `the provider's refunds: ${what}`);
          }
        }),
        { seed: 20261203, numRuns: 5, endOnFailure: true },
      );
    });

    test(`Given a ${c.name} payment captured in full, When 10 refunds of 30 % each arrive at once (PostgreSQL), Then at most 3 succeed and the rest are REFUND_EXCEEDS_CAPTURED`, async (ctx) => {
      if (w.t.database.kind !== 'postgres') {
        ctx.skip('needs PostgreSQL: the embedded database runs one transaction at a time, so nothing races');
        return;
      }
      const o = await authorisedOrder(w, c);
      assert.equal((await capture(w, c, o.paymentId)).status, 200);
      const ids = {
        id: o.paymentId,
        providerPaymentId: (await ordoPayment(w, o.id, o.paymentId)).payment.providerPaymentId,
      };
      const before = w.fakes.get(c.code)!.refundCount();
      const part = pct(o.total, 30);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          w.t.call('POST', `/api/v1/orders/${o.id}/refunds`, {
            amount: decimal(part, c.currency),
            reason: `zwrot równoległy ${i + 1}`,
          }),
        ),
      );
      const ok = answers.filter((a) => a.status === 200 || a.status === 202);
      const refused = answers.filter((a) => a.status === 422);
      assert.equal(ok.length + refused.length, 10, JSON.stringify(answers.map((a) => [a.status, a.body.code])));
      assert.ok(ok.length <= 3, `${ok.length} refunds of 30 % succeeded`);
      assert.equal(ok.length, 3, 'each is serialised on the order, so exactly three fit');
      assert.ok(refused.every((a) => a.body.code === 'REFUND_EXCEEDS_CAPTURED'));
      assert.equal(w.fakes.get(c.code)!.refundCount(), before + ok.length, 'the provider got only those');
      const view = await ordoPayment(w, o.id, o.paymentId);
      const refunds = view.payment.operations.filter((x: any) => x.kind === 'refund');
      assert.equal(refunds.length, 3);
      // Stripe and YooKassa confirm at once; PayU and P24 finish by notification (still pending here).
      assert.ok(refunds.every((x: any) => x.status === (c.refundNotified ? 'pending' : 'succeeded')));
      const held = refunds.reduce((a: bigint, x: any) => a + minor(x.amount, c.currency), 0n);
      assert.equal(held, 3n * part);
      assert.ok(held <= minor(view.payment.captured, c.currency));
      const side = await providerSide(w, c, ids);
      assert.equal(side.refunded, 3n * part);
      if (!c.refundNotified) assert.equal(minor(view.payment.refunded, c.currency), 3n * part);
    });

    test(
      `Given a pending ${c.name} refund, When its notification arrives while 3 more refunds of 30 % are requested (PostgreSQL), Then nothing deadlocks, the notification applies and only 2 more fit`,
      {
        skip: c.refundNotified
          ? false
          : `${c.name} confirms refunds in its answer: there is no refund notification to race`,
      },
      async (ctx) => {
        if (w.t.database.kind !== 'postgres') {
          ctx.skip('needs PostgreSQL: the embedded database runs one transaction at a time, so nothing races');
          return;
        }
        const o = await authorisedOrder(w, c);
        assert.equal((await capture(w, c, o.paymentId)).status, 200);
        const part = pct(o.total, 30);
        const first = await w.t.call('POST', `/api/v1/orders/${o.id}/refunds`, {
          amount: decimal(part, c.currency),
          reason: 'zwrot pierwszy',
        });
        assert.equal(first.status, 202, JSON.stringify(first.body));
        const n = fake().notification('refund', o.paymentId);
        const [notified, ...answers] = await Promise.all([
          notify(w, c.code, n),
          ...Array.from({ length: 3 }, (_, i) =>
            w.t.call('POST', `/api/v1/orders/${o.id}/refunds`, {
              amount: decimal(part, c.currency),
              reason: `zwrot równoległy ${i + 1}`,
            }),
          ),
        ]);
        assert.equal(notified!.status, 200, JSON.stringify(notified!.body));
        assert.equal(notified!.body.applied, 1);
        const statuses = answers.map((a) => a.status).sort();
        assert.deepEqual(statuses, [202, 202, 422], JSON.stringify(answers.map((a) => a.body)));
        const view = await ordoPayment(w, o.id, o.paymentId);
        assert.equal(minor(view.payment.refunded, c.currency), part, 'the first refund is done');
        const refunds = view.payment.operations.filter((x: any) => x.kind === 'refund');
        assert.equal(refunds.length, 3);
        assert.equal(refunds.filter((x: any) => x.status === 'pending').length, 2);
      },
    );
  });
}

// The same for every provider: the check is in Ordo's capture command, before any provider call.
const stripe = PROVIDERS.find((p) => p.code === 'stripe')!;
test(`Given a transfer recorded while the Stripe authorisation is open, When the whole authorisation is captured, Then it is refused as an overpayment`, async () => {
  const o = await authorisedOrder(w, stripe);
  const t = await w.t.call('POST', `/api/v1/orders/${o.id}/payments`, {
    method: 'transfer',
    status: 'captured',
    amount: decimal(pct(o.total, 40), stripe.currency),
  });
  assert.equal(t.status, 201, JSON.stringify(t.body));
  const writes = writesAt(stripe);
  const r = await capture(w, stripe, o.paymentId);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.code, 'OVERPAYMENT_NOT_ALLOWED');
  assert.equal(writesAt(stripe), writes);
  const view = await orderPayments(w, o.id);
  assert.equal(minor(view.summary.overpaid, stripe.currency), 0n);
});
