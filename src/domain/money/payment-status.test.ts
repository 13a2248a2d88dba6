import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openAuthorization, summarizePayments, type PaymentAmounts } from './payment-status.js';

/** A payment after a random life: authorised, partly captured (the rest released), partly refunded. */
const payment = fc
  .record({
    authorized: fc.bigInt({ min: 1n, max: 10_000_000n }),
    captureShare: fc.integer({ min: 0, max: 100 }),
    refundShare: fc.integer({ min: 0, max: 100 }),
    stage: fc.constantFrom('authorized', 'captured', 'voided'),
  })
  .map(({ authorized, captureShare, refundShare, stage }): PaymentAmounts => {
    if (stage === 'voided') return { status: 'voided', authorized, captured: 0n, refunded: 0n, voided: authorized };
    if (stage === 'authorized') return { status: 'authorized', authorized, captured: 0n, refunded: 0n, voided: 0n };
    const captured = (authorized * BigInt(captureShare)) / 100n;
    const refunded = (captured * BigInt(refundShare)) / 100n;
    return { status: 'captured', authorized, captured, refunded, voided: authorized - captured };
  });

describe('payment status (derived from the payments, never stored)', () => {
  it('Σ captures − Σ refunds = paid; outstanding and overpaid are what the total leaves; never negative', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 20_000_000n }), fc.array(payment, { maxLength: 6 }), (total, payments) => {
        const s = summarizePayments(total, payments);
        const captured = payments.reduce((a, p) => a + p.captured, 0n);
        const refunded = payments.reduce((a, p) => a + p.refunded, 0n);
        assert.equal(s.paid, captured - refunded);
        assert.ok(s.paid >= 0n && s.outstanding >= 0n && s.overpaid >= 0n && s.authorized >= 0n);
        assert.equal(s.outstanding, total > captured ? total - captured : 0n);
        assert.equal(s.overpaid, s.paid > total ? s.paid - total : 0n);
        assert.equal(
          s.authorized,
          payments.reduce((a, p) => a + openAuthorization(p), 0n),
        );
        // The status says the same as the figures.
        if (s.paid > total) assert.equal(s.status, 'overpaid');
        else if (s.paid === total && captured > 0n) assert.equal(s.status, 'paid');
        else if (s.status === 'paid') assert.equal(total, 0n);
        if (s.status === 'unpaid') assert.equal(s.paid + s.authorized + refunded, 0n);
        if (s.status === 'refunded') assert.ok(s.paid === 0n && refunded > 0n);
        if (s.status === 'partially_paid') assert.ok(s.paid > 0n && s.paid < total && refunded === 0n);
      }),
      { seed: 20261203, numRuns: 500 },
    );
  });

  it('names each status on a plain example', () => {
    const auth = (a: bigint): PaymentAmounts => ({
      status: 'authorized',
      authorized: a,
      captured: 0n,
      refunded: 0n,
      voided: 0n,
    });
    const cap = (c: bigint, r = 0n): PaymentAmounts => ({
      status: 'captured',
      authorized: c,
      captured: c,
      refunded: r,
      voided: 0n,
    });
    assert.equal(summarizePayments(100n, []).status, 'unpaid');
    assert.equal(summarizePayments(100n, [auth(100n)]).status, 'authorized');
    assert.equal(summarizePayments(100n, [cap(40n)]).status, 'partially_paid');
    assert.equal(summarizePayments(100n, [cap(100n)]).status, 'paid');
    assert.equal(summarizePayments(100n, [cap(100n, 30n)]).status, 'partially_refunded');
    assert.equal(summarizePayments(100n, [cap(100n, 100n)]).status, 'refunded');
    assert.equal(summarizePayments(100n, [cap(100n), cap(5n)]).status, 'overpaid');
    assert.equal(summarizePayments(100n, [cap(105n, 5n)]).status, 'paid', 'an overpayment given back leaves it paid');
  });
});
