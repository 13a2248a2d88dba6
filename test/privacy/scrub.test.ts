import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERASED, Needles, scrubJson, subjectHash } from '../../src/app/privacy/scrub.js';
import { invoiceRetainedUntil } from '../../src/app/privacy/retention.js';

describe('privacy: scrubbing a person out of text and JSON (pure)', () => {
  const needles = new Needles(['Łucja Żółć', 'lucja@example.pl', '+48 601 234 567', 'ул. Садовая 5', 'ab', null]);

  test('Given the person in other case and a phone without spaces, Then both are found and replaced', () => {
    assert.equal(needles.scrubText('Dzwonić 48601234567, ŁUCJA ŻÓŁĆ'), `Dzwonić ${ERASED}, ${ERASED}`);
    assert.equal(needles.scrubText('УЛ. САДОВАЯ 5, кв. 7'), `${ERASED}, кв. 7`);
    assert.equal(needles.foundIn('Lucja@Example.PL'), true);
    assert.equal(needles.foundIn('about'), false, 'needles under 3 characters are ignored');
  });

  test('Given an order history change of the shipping address, Then the address is masked but country, amounts and SKUs stay', () => {
    const change = {
      shippingAddress: {
        from: { name: 'Łucja Żółć', line1: 'ul. Długa 1', city: 'Kraków', country: 'PL', latitude: 50.1 },
        to: { name: 'Inna Osoba', line1: 'ul. Krótka 2', city: 'Kraków', country: 'PL' },
      },
      lines: [{ sku: 'SKU-1', name: 'Kubek', total: '19.99' }],
      customerEmail: 'inny@example.pl',
    };
    assert.deepEqual(scrubJson(change, needles), {
      shippingAddress: {
        from: { name: ERASED, line1: ERASED, city: ERASED, country: 'PL' },
        to: { name: ERASED, line1: ERASED, city: ERASED, country: 'PL' },
      },
      lines: [{ sku: 'SKU-1', name: 'Kubek', total: '19.99' }],
      customerEmail: ERASED,
    });
  });

  test('Retention runs to 1 January of the year after issue plus the years; the subject hash hides the address', () => {
    assert.equal(
      invoiceRetainedUntil('2026-03-15', { invoiceRetentionYears: 5 }).toISOString(),
      '2032-01-01T00:00:00.000Z',
    );
    const hash = subjectHash('t1', 'email', ' Lucja@Example.pl ');
    assert.equal(hash, subjectHash('t1', 'email', 'lucja@example.pl'));
    assert.notEqual(hash, subjectHash('t2', 'email', 'lucja@example.pl'));
    assert.ok(!hash.includes('lucja'));
  });
});
