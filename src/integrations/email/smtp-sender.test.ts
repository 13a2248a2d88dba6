import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asciiAddress } from './smtp-sender.js';

describe('addresses as SMTP sends them', () => {
  test('given an internationalised domain, it goes out in punycode; ASCII addresses are untouched', () => {
    assert.equal(asciiAddress('anna@почта.рф'), 'anna@xn--80a1acny.xn--p1ai');
    assert.equal(asciiAddress('sklep@przykład.pl'), 'sklep@xn--przykad-rjb.pl');
    assert.equal(asciiAddress('jan@example.pl'), 'jan@example.pl');
    assert.equal(asciiAddress('not-an-address'), 'not-an-address');
  });
});
