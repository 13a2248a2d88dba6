import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKsefClient, invoiceHash, type KsefClient, type KsefSession } from './ksef-client.js';
import { buildKsefFa3 } from './ksef-fa3.js';
import { crc8, makeKsefNumber, startKsefFake, type KsefFake } from './testing/ksef-fake.js';
import { plCreditNote, plInvoice } from './test-fixtures.js';

const NIP = '5265877635';
const TOKEN = '20261201-EC-2A1B3C4D5E-6F7A8B9C0D-11|nip-5265877635|0123456789abcdef';
const KSEF_NUMBER = /^5265877635-\d{8}-[0-9A-F]{12}-[0-9A-F]{2}$/;

function xml(doc = plInvoice()): string {
  const r = buildKsefFa3(doc, { generatedAt: '2026-12-01T10:00:00Z' });
  assert.ok(r.ok);
  return r.value;
}

describe('KSeF 2.0 client against the local KSeF server', () => {
  let fake: KsefFake;
  let client: KsefClient;
  let session: KsefSession;

  before(async () => {
    fake = await startKsefFake({ tokens: { [TOKEN]: NIP }, processingPolls: 1 });
    client = createKsefClient({
      baseUrl: fake.baseUrl,
      nip: NIP,
      ksefToken: TOKEN,
      pollIntervalMs: 5,
      timeoutMs: 3_000,
    });
    const token = await client.authenticate();
    assert.ok(token.ok, token.ok ? '' : token.error.message);
    const opened = await client.openSession(token.value);
    assert.ok(opened.ok, opened.ok ? '' : opened.error.message);
    session = opened.value;
  });
  after(() => fake.close());

  it('computes the KSeF number checksum as the documentation example does', () => {
    assert.equal(crc8('5265877635-20250826-0100001AF629'), 'AF');
    assert.equal(crc8('5265877635-20250916-0200A0D6723E'), 'C2');
    assert.match(
      makeKsefNumber(NIP, new Date('2026-12-01T12:00:00Z')),
      /^5265877635-20261201-[0-9A-F]{12}-[0-9A-F]{2}$/,
    );
  });

  it('Given an FA(3) invoice, when sent, then status → KSeF number → UPO round-trips, the server having decrypted exactly what was sent', async () => {
    const invoice = xml();
    const sent = await client.sendInvoice(session, invoice);
    assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
    assert.equal(sent.value.invoiceHash, invoiceHash(invoice));
    const first = await client.invoiceStatus(session, sent.value.referenceNumber);
    assert.ok(first.ok && first.value.state === 'processing' && first.value.code === 150);
    const done = await client.waitForInvoice(session, sent.value.referenceNumber);
    assert.ok(done.ok && done.value.state === 'accepted', JSON.stringify(done));
    assert.match(done.value.ksefNumber!, KSEF_NUMBER);
    assert.equal(crc8(done.value.ksefNumber!.slice(0, 32)), done.value.ksefNumber!.slice(33));
    assert.equal(done.value.invoiceNumber, 'FV/2026/12/000123');
    assert.ok(fake.received.includes(invoice), 'the server decrypted the same bytes');
    const upo = await client.downloadUpo(session, sent.value.referenceNumber);
    assert.ok(upo.ok, upo.ok ? '' : upo.error.message);
    assert.ok(upo.value.includes('<Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3">'));
    assert.ok(upo.value.includes(`<NumerKSeFDokumentu>${done.value.ksefNumber}</NumerKSeFDokumentu>`));
    assert.ok(upo.value.includes(`<SkrotDokumentu>${invoiceHash(invoice)}</SkrotDokumentu>`));
    assert.ok(upo.value.includes('<NumerFaktury>FV/2026/12/000123</NumerFaktury>'));
  });

  it('Given a credit note, when sent, then it gets its own KSeF number', async () => {
    const sent = await client.sendInvoice(session, xml(plCreditNote()));
    assert.ok(sent.ok);
    const done = await client.waitForInvoice(session, sent.value.referenceNumber);
    assert.ok(done.ok && done.value.state === 'accepted' && KSEF_NUMBER.test(done.value.ksefNumber!));
  });

  it('Given a schema-invalid invoice, when sent, then the server rejects it with the schema error and its line', async () => {
    const broken = xml({ ...plInvoice(), number: 'FV/2026/12/000124' }).replace(
      '<P_15>851.72</P_15>',
      '<P_15>851,72</P_15>',
    );
    const sent = await client.sendInvoice(session, broken);
    assert.ok(sent.ok);
    const done = await client.waitForInvoice(session, sent.value.referenceNumber);
    assert.ok(done.ok && done.value.state === 'rejected', JSON.stringify(done));
    assert.equal(done.value.code, 430);
    assert.ok(
      done.value.details.some((d) => /^linia \d+: .*P_15/.test(d)),
      done.value.details.join('\n'),
    );
    assert.equal(done.value.ksefNumber, undefined);
    const upo = await client.downloadUpo(session, sent.value.referenceNumber);
    assert.ok(!upo.ok && upo.error.code === 'KSEF_NOT_FOUND');
  });

  it('Given the same invoice number twice, when sent again, then KSeF answers duplicate (440)', async () => {
    const sent = await client.sendInvoice(session, xml());
    assert.ok(sent.ok);
    const done = await client.waitForInvoice(session, sent.value.referenceNumber);
    assert.ok(done.ok && done.value.code === 440 && done.value.state === 'rejected');
  });

  it('Given the answer to a send is lost, when the session is queried by hash, then the invoice is found with its KSeF number', async () => {
    const invoice = xml({ ...plInvoice(), number: 'FV/2026/12/000125' });
    fake.fail('send', 'drop');
    const sent = await client.sendInvoice(session, invoice);
    assert.ok(!sent.ok);
    assert.equal(sent.error.outcomeUnknown, true);
    assert.equal(sent.error.retryable, true);
    const found = await client.findInvoiceByHash(session, invoiceHash(invoice));
    assert.ok(found.ok && found.value, 'found in the session');
    const done = await client.waitForInvoice(session, found.value.referenceNumber);
    assert.ok(done.ok && done.value.state === 'accepted' && KSEF_NUMBER.test(done.value.ksefNumber!));
    const never = await client.findInvoiceByHash(session, invoiceHash('<never-sent/>'));
    assert.ok(never.ok && never.value === null);
  });

  it('Given a send that hangs, a 5xx, a malformed answer, then each is an honest error value', async () => {
    const invoice = (n: number) => xml({ ...plInvoice(), number: `FV/2026/12/0002${n}` });
    fake.fail('send', 'hang');
    const hung = await client.sendInvoice(session, invoice(1));
    assert.ok(!hung.ok && hung.error.code === 'KSEF_TIMEOUT' && hung.error.outcomeUnknown === true);
    fake.fail('send', 'status-500');
    const down = await client.sendInvoice(session, invoice(2));
    assert.ok(
      !down.ok && down.error.code === 'KSEF_UNAVAILABLE' && down.error.httpStatus === 500 && down.error.retryable,
    );
    fake.fail('status', 'malformed');
    const garbage = await client.invoiceStatus(session, 'whatever');
    assert.ok(!garbage.ok && garbage.error.code === 'KSEF_BAD_RESPONSE');
    const unknown = await client.invoiceStatus(session, '20261201-SE-0000000000-0000000000-00');
    assert.ok(!unknown.ok && unknown.error.code === 'KSEF_NOT_FOUND' && !unknown.error.retryable);
  });

  it('Given a wrong KSeF token, when authenticating, then KSEF_AUTH_FAILED with KSeF’s reason', async () => {
    const bad = createKsefClient({ baseUrl: fake.baseUrl, nip: NIP, ksefToken: 'not-a-token', pollIntervalMs: 5 });
    const r = await bad.authenticate();
    assert.ok(!r.ok && r.error.code === 'KSEF_AUTH_FAILED');
    assert.match(r.error.message, /450/);
    assert.deepEqual(r.error.details, ['Nieprawidłowy token']);
  });

  it('Given nothing listens, when authenticating, then KSEF_UNAVAILABLE, retryable', async () => {
    const down = createKsefClient({ baseUrl: 'http://127.0.0.1:9/v2', nip: NIP, ksefToken: TOKEN, timeoutMs: 500 });
    const r = await down.authenticate();
    assert.ok(!r.ok && r.error.code === 'KSEF_UNAVAILABLE' && r.error.retryable && !r.error.outcomeUnknown);
  });

  it('Given the session is closed, when sending, then KSeF refuses', async () => {
    const closed = await client.closeSession(session);
    assert.ok(closed.ok);
    const r = await client.sendInvoice(session, xml({ ...plInvoice(), number: 'FV/2026/12/000199' }));
    assert.ok(!r.ok && r.error.code === 'KSEF_REJECTED' && r.error.details.includes('Sesja zamknięta.'));
  });
});
