import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newWebhookSecret, sign, signedHeaders, verify } from '../../src/integrations/webhooks/signature.js';
import { refuseUrl } from '../../src/integrations/webhooks/url-policy.js';
import { retryDelayMs } from '../../src/domain/events/retry.js';

/**
 * Test vectors published by the Standard Webhooks project: the reference JavaScript library's
 * tests, standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts
 * ("sign function works" and the default message used by the verification tests).
 */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signatures', () => {
  test('given the published vector, signing produces the published signature', () => {
    assert.equal(sign(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload), VECTOR.signature);
    // The library accepts the secret with or without its whsec_ prefix; so do we.
    assert.equal(sign(VECTOR.secret.slice(6), VECTOR.msgId, VECTOR.timestamp, VECTOR.payload), VECTOR.signature);
  });

  const headers = (sig = VECTOR.signature) => ({
    'webhook-id': VECTOR.msgId,
    'webhook-timestamp': String(VECTOR.timestamp),
    'webhook-signature': sig,
  });

  test('given the published vector, verification accepts it within the tolerance and refuses tampering', () => {
    assert.equal(verify([VECTOR.secret], headers(), VECTOR.payload, VECTOR.timestamp), null);
    assert.equal(verify([VECTOR.secret], headers(), '{"test": 2432232315}', VECTOR.timestamp), 'no-matching-signature');
    assert.equal(verify([newWebhookSecret()], headers(), VECTOR.payload, VECTOR.timestamp), 'no-matching-signature');
  });

  test('given several signatures (v1 and others), one valid v1 is enough — the rotation case', () => {
    const sig = [
      'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      VECTOR.signature,
    ].join(' ');
    assert.equal(verify([VECTOR.secret], headers(sig), VECTOR.payload, VECTOR.timestamp), null);
    const other = newWebhookSecret();
    const both = signedHeaders([other, VECTOR.secret], VECTOR.msgId, VECTOR.timestamp, VECTOR.payload);
    assert.equal(both['webhook-signature']!.split(' ').length, 2);
    assert.equal(verify([VECTOR.secret], both, VECTOR.payload, VECTOR.timestamp), null);
    assert.equal(verify([other], both, VECTOR.payload, VECTOR.timestamp), null);
  });

  test('given missing headers, a partial signature or a timestamp outside five minutes, verification fails', () => {
    assert.equal(
      verify([VECTOR.secret], { ...headers(), 'webhook-id': undefined }, VECTOR.payload, VECTOR.timestamp),
      'missing-headers',
    );
    assert.equal(verify([VECTOR.secret], headers('v1,'), VECTOR.payload, VECTOR.timestamp), 'no-matching-signature');
    assert.equal(
      verify([VECTOR.secret], headers(VECTOR.signature.slice(0, 8)), VECTOR.payload, VECTOR.timestamp),
      'no-matching-signature',
    );
    assert.equal(
      verify([VECTOR.secret], { ...headers(), 'webhook-timestamp': 'hello' }, VECTOR.payload, VECTOR.timestamp),
      'bad-timestamp',
    );
    assert.equal(
      verify([VECTOR.secret], headers(), VECTOR.payload, VECTOR.timestamp + 301),
      'timestamp-out-of-tolerance',
    );
    assert.equal(
      verify([VECTOR.secret], headers(), VECTOR.payload, VECTOR.timestamp - 301),
      'timestamp-out-of-tolerance',
    );
  });
});

describe('webhook endpoint URL policy', () => {
  const strict = { allowPrivate: false, selfHosts: ['ordo.example.pl'] };
  const loose = { allowPrivate: true, selfHosts: ['localhost:8080'] };

  test('given non-http schemes or malformed URLs, they are refused', () => {
    assert.match(refuseUrl('ftp://erp.example.pl/hook', strict)!, /only http and https/);
    assert.match(refuseUrl('javascript:alert(1)', strict)!, /only http and https/);
    assert.match(refuseUrl('http//erp.example.pl', strict)!, /malformed/);
    assert.match(refuseUrl('https://user:pass@erp.example.pl/', strict)!, /credentials/);
  });

  test('given loopback, private or link-local targets, they are refused unless the config allows them', () => {
    for (const u of [
      'http://127.0.0.1:9000/',
      'http://localhost/',
      'http://[::1]/',
      'http://10.1.2.3/',
      'http://169.254.169.254/latest/meta-data',
      'http://192.168.0.10/',
      'http://[fe80::1]/',
    ]) {
      assert.match(refuseUrl(u, strict) ?? '', /not allowed/, u);
      assert.equal(refuseUrl(u, loose), null, u);
    }
    assert.equal(refuseUrl('https://erp.przykład.pl/webhooks/ordo', strict), null);
  });

  test('given this server itself, it is refused even when loopback is allowed', () => {
    assert.match(refuseUrl('https://ordo.example.pl/api/v1/orders', strict)!, /this server/);
    assert.match(refuseUrl('http://127.0.0.1:8080/api/v1/inbound/x', loose)!, /this server/);
    assert.match(refuseUrl('http://localhost:3000/x', loose, 'localhost:3000')!, /this server/);
    assert.equal(refuseUrl('http://127.0.0.1:9999/x', loose, 'localhost:3000'), null);
  });
});

describe('retry backoff', () => {
  test('given more failures, the delay grows exponentially within jitter bounds and is capped', () => {
    const p = { baseMs: 1000, maxMs: 60_000, maxAttempts: 10 };
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(p, n, 0)),
      [500, 1000, 2000, 4000],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(p, n, 1)),
      [1000, 2000, 4000, 8000],
    );
    assert.equal(retryDelayMs(p, 30, 1), 60_000);
  });
});
