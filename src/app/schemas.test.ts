import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emailAddress } from './schemas.js';

describe('e-mail addresses', () => {
  const ok = (value: string) => emailAddress().safeParse(value).success;

  test('given an internationalised domain (Polish, Russian, or its punycode), the address is taken', () => {
    for (const value of [
      'sklep@przykład.pl',
      'info@почта.рф',
      'info@xn--80a1acny.xn--p1ai',
      'jan.kowalski+zamowienia@example.com',
      "o'brien@example.co.uk",
    ])
      assert.equal(ok(value), true, value);
  });

  test('given a malformed address or a non-ASCII local part, it is refused with a plain message', () => {
    for (const value of ['a@b', 'żółw@x.pl', 'a b@x.pl', '@x.pl', 'a@x.p', 'a@-x.pl', 'a@x..pl', 'a@x.pl\n'])
      assert.equal(ok(value), false, value);
    const refused = emailAddress().safeParse('nie-adres');
    assert.equal(refused.success, false);
    assert.equal(refused.error?.issues[0]?.message, 'must be an e-mail address');
    assert.equal(ok(`${'a'.repeat(310)}@example.com`), false, 'longer than 320 characters');
  });
});
