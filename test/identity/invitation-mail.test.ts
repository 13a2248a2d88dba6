import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { sql } from 'kysely';
import { createHash } from 'node:crypto';
import { testApp, type TestApp } from '../support.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { emailSink } from '../../src/integrations/email/email-sink.js';
import { smtpSender } from '../../src/integrations/email/smtp-sender.js';
import { eventually, LocalSmtp, type Received } from '../notifications/smtp-support.js';
import { loadConfig } from '../../src/config.js';
import { newId } from '../../src/shared/ids.js';
import { up } from '../../src/store/migrations/0035_invitation_code_hash.js';

/**
 * Invitations e-mailed (issue 18, docs/users.md): an admin's invitation reaches the invitee
 * through the outbox and a real SMTP server (smtp-server on 127.0.0.1, as the notification tests),
 * in the invitee's language as the admin chose it, else the admin's; the link works; it is in no
 * stored message, event, audit row or server log line; an SMTP outage delays it, loses nothing.
 */
describe('invitations e-mailed through the outbox', () => {
  let t: TestApp;
  const smtp = new LocalSmtp();
  let worker: Worker;
  const logLines: string[] = [];
  let polishAdmin: Record<string, string> = {};

  const login = async (email: string, password: string) => {
    const res = await t.call('POST', '/api/v1/auth/login', { email, password });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { authorization: '', cookie: String(res.headers['set-cookie']).split(';')[0]! };
  };
  const invite = async (body: Record<string, unknown>, as = polishAdmin) => {
    const res = await t.call('POST', '/api/v1/users', { roles: ['operator'], invite: true, ...body }, as);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as {
      id: string;
      locale: string;
      invitation: { token: string; emailed: boolean; notificationId: string };
    };
  };
  const mailTo = (address: string): Received[] => smtp.messages.filter((m) => m.to.includes(address));
  /** Every stored trace of the invitation outside the users table, as text. */
  const storedText = async () => {
    const rows = await sql<{ text: string }>`
      select n::text as text from notifications n where n.tenant_id = ${t.tenantId}
      union all select e::text from events e where e.tenant_id = ${t.tenantId}
      union all select a::text from audit_log a where a.tenant_id = ${t.tenantId}`.execute(t.database.db);
    return rows.rows.map((row) => row.text).join('\n');
  };

  before(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    t = await testApp({
      // SMTP configured (the worker below sends through the local server) and a public address
      config: loadConfig({ ORDO_PUBLIC_URL: 'https://konsola.example.pl/', ORDO_SMTP_HOST: '127.0.0.1' }),
      logger: pino({ level: 'trace' }, sink),
    });
    await smtp.start(0);
    worker = await startWorker({
      db: t.database.db,
      jobs: t.services.jobs,
      sinks: [
        emailSink(
          t.database.db,
          smtpSender({
            host: '127.0.0.1',
            port: smtp.port,
            secure: false,
            from: 'Ordo <ordo@example.pl>',
            timeoutMs: 5_000,
            allowUnverifiedTls: true,
          }),
        ),
      ],
      retry: { baseMs: 100, maxMs: 400, maxAttempts: 50 },
      pollMs: 25,
    });
    const admin = await t.call('POST', '/api/v1/users', {
      email: 'ewa.admin@example.pl',
      name: 'Ewa Kowalska',
      locale: 'pl',
      roles: ['admin'],
      password: 'hasło administratorki',
    });
    assert.equal(admin.status, 201, JSON.stringify(admin.body));
    polishAdmin = await login('ewa.admin@example.pl', 'hasło administratorki');
  });
  after(async () => {
    await worker.stop();
    await smtp.stop();
    await t.close();
  });

  test('a Polish admin invites without choosing a language: one Polish e-mail with a link that works once; the link is stored and logged nowhere', async () => {
    const created = await invite({ email: 'nowy.pracownik@example.pl', name: 'Łukasz Żółtowski' });
    assert.equal(created.locale, 'pl', "the inviter's language");
    assert.equal(created.invitation.emailed, true);

    const [mail] = await eventually('the invitation e-mail', async () => {
      const found = mailTo('nowy.pracownik@example.pl');
      return found.length ? found : undefined;
    });
    assert.equal(mail!.subject, 'Zaproszenie do Test tenant w Ordo');
    assert.ok(mail!.text.includes('Dzień dobry, Łukasz Żółtowski!'), mail!.text);
    assert.ok(mail!.text.includes('Ewa Kowalska zaprasza Cię do pracy w Ordo'), mail!.text);
    // the e-mail's code was made as it was sent: not the one the admin was shown
    const code = mail!.text.match(/invitation#([A-Za-z0-9_-]+)/)![1]!;
    assert.notEqual(code, created.invitation.token);
    const link = `https://konsola.example.pl/invitation#${code}`;
    assert.ok(mail!.text.includes(link), mail!.text);
    assert.ok(mail!.html.includes(`href="${link}"`), mail!.html);

    const logged = await eventually('the notification sent', async () => {
      const n = (await t.call('GET', `/api/v1/notifications/${created.invitation.notificationId}`)).body;
      return n.state === 'sent' ? n : undefined;
    });
    assert.equal(logged.orderId, null);
    assert.equal(logged.template, 'user_invitation');
    assert.equal(logged.language, 'pl');
    assert.equal(logged.to, 'nowy.pracownik@example.pl');
    assert.ok(logged.text.includes('https://konsola.example.pl/invitation#__invitation_code__'), logged.text);
    const stored = await storedText();
    assert.ok(stored.includes('user_invitation'), 'the search below looks at the right rows');
    assert.ok(!stored.includes(code), 'the code is in no notification, event or audit row');
    assert.ok(!stored.includes(created.invitation.token), "nor is the admin's");
    // what the notification keeps is the code's hash: enough to recognise the link, useless to open it
    const row = await t.store
      .selectFrom('notifications')
      .select('secret')
      .where('id', '=', created.invitation.notificationId)
      .executeTakeFirstOrThrow();
    assert.equal(row.secret, createHash('sha256').update(code).digest('hex'));
    assert.ok(logLines.length > 0, 'the server logged requests');
    assert.ok(!logLines.join('').includes(code), 'no server log line holds the code');

    // the link from the e-mail sets the password, once
    const code2 = code;
    const accepted = await t.call('POST', '/api/v1/auth/accept-invitation', {
      token: code2,
      password: 'moje nowe hasło 2026',
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    await login('nowy.pracownik@example.pl', 'moje nowe hasło 2026');
    const again = await t.call('POST', '/api/v1/auth/accept-invitation', {
      token: code2,
      password: 'inne hasło 20266',
    });
    assert.equal(again.status, 401);
    // the first code used closes the other: the admin's link opens nothing now
    const adminLink = await t.call('POST', '/api/v1/auth/accept-invitation', {
      token: created.invitation.token,
      password: 'inne hasło 20267',
    });
    assert.equal(adminLink.status, 401);
    const used = await t.store
      .selectFrom('notifications')
      .select('secret')
      .where('id', '=', created.invitation.notificationId)
      .executeTakeFirstOrThrow();
    assert.equal(used.secret, null, 'a used invitation keeps not even the hash');
  });

  test("the admin's link works as well, and then the e-mailed one is refused", async () => {
    const created = await invite({ email: 'druga.osoba@example.pl', name: 'Druga Osoba' });
    const [mail] = await eventually('the invitation e-mail', async () => {
      const found = mailTo('druga.osoba@example.pl');
      return found.length ? found : undefined;
    });
    const mailed = mail!.text.match(/invitation#([A-Za-z0-9_-]+)/)![1]!;
    const byAdmin = await t.call('POST', '/api/v1/auth/accept-invitation', {
      token: created.invitation.token,
      password: 'hasło od admina 2026',
    });
    assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body));
    const byMail = await t.call('POST', '/api/v1/auth/accept-invitation', {
      token: mailed,
      password: 'hasło z e-maila 2026',
    });
    assert.equal(byMail.status, 401);
    await login('druga.osoba@example.pl', 'hasło od admina 2026');
  });

  test('the language the admin chose wins: a Russian invitation from the Polish admin', async () => {
    await invite({ email: 'anna@example.ru', name: 'Анна Каренина', locale: 'ru' });
    const [mail] = await eventually('the Russian invitation', async () => {
      const found = mailTo('anna@example.ru');
      return found.length ? found : undefined;
    });
    assert.equal(mail!.subject, 'Приглашение в Test tenant в Ordo');
    assert.ok(mail!.text.includes('Здравствуйте, Анна Каренина!'), mail!.text);
    assert.ok(mail!.text.includes('Задайте пароль по ссылке'), mail!.text);
  });

  test('an English admin key invites without a language: English; a user created with a password gets no e-mail', async () => {
    await invite({ email: 'john@example.com', name: 'John Smith' }, {});
    const [mail] = await eventually('the English invitation', async () => {
      const found = mailTo('john@example.com');
      return found.length ? found : undefined;
    });
    assert.equal(mail!.subject, 'Your invitation to Test tenant in Ordo');
    const withPassword = await t.call('POST', '/api/v1/users', {
      email: 'haslo@example.pl',
      name: 'Z Hasłem',
      roles: ['viewer'],
      password: 'hasło od razu 2026',
    });
    assert.equal(withPassword.status, 201);
    assert.equal(withPassword.body.invitation, undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(mailTo('haslo@example.pl').length, 0);
  });

  test('while the SMTP server is down the invitation waits without a code; once it is back it is delivered exactly once, its link working', async () => {
    const port = smtp.port;
    await smtp.stop();
    const created = await invite({ email: 'cierpliwy@example.pl', name: 'Cierpliwy Gość' });
    const failed = await eventually('a failed attempt', async () => {
      const n = (await t.call('GET', `/api/v1/notifications/${created.invitation.notificationId}`)).body;
      return n.state === 'failed' && n.attempts >= 2 ? n : undefined;
    });
    assert.match(failed.lastResponse, /ECONNREFUSED|connect/i);
    // while it waits, nothing usable is stored: at most the hash of a code that reached no one
    const waiting = await t.store
      .selectFrom('notifications')
      .select('secret')
      .where('id', '=', created.invitation.notificationId)
      .executeTakeFirstOrThrow();
    assert.ok(waiting.secret === null || /^[0-9a-f]{64}$/.test(waiting.secret), String(waiting.secret));
    await smtp.start(port);
    await eventually('delivered after the outage', async () => mailTo('cierpliwy@example.pl').length === 1);
    const code = mailTo('cierpliwy@example.pl')[0]!.text.match(/invitation#([A-Za-z0-9_-]+)/)![1]!;
    await eventually('marked sent', async () => {
      const current = await t.store
        .selectFrom('notifications')
        .select(['state', 'secret'])
        .where('id', '=', created.invitation.notificationId)
        .executeTakeFirstOrThrow();
      return current.state === 'sent' && current.secret === createHash('sha256').update(code).digest('hex');
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(mailTo('cierpliwy@example.pl').length, 1, 'not sent twice');
    // the link of the one e-mail that went out works
    const accepted = await t.call('POST', '/api/v1/auth/accept-invitation', {
      token: code,
      password: 'cierpliwość popłaca 2026',
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  });
});

describe('an invitation is e-mailed only when it can be', () => {
  test('a public address without an SMTP server: emailed false, nothing queued, the admin hands the link on', async () => {
    const t = await testApp({ config: loadConfig({ ORDO_PUBLIC_URL: 'https://konsola.example.pl/' }) });
    try {
      const res = await t.call('POST', '/api/v1/users', {
        email: 'bez.poczty@example.pl',
        name: 'Bez Poczty',
        roles: ['viewer'],
        invite: true,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.invitation.emailed, false);
      assert.equal(res.body.invitation.notificationId, undefined);
      const queued = await t.store.selectFrom('notifications').select('id').execute();
      assert.deepEqual(queued, []);
    } finally {
      await t.close();
    }
  });
});

describe('migration 0035: no invitation code at rest', () => {
  test('a code an older version left waiting in a queued invitation is wiped; other messages keep theirs', async () => {
    const t = await testApp();
    try {
      const row = (id: string, template: string, secret: string) => ({
        id,
        order_id: null,
        user_id: null,
        secret,
        template,
        language: 'pl',
        recipient: 'ktos@example.pl',
        subject: 'Zaproszenie',
        body_text: 'https://konsola.example.pl/invitation#__invitation_code__',
        body_html: '',
        source: 'built_in',
        attachments: JSON.stringify([]),
        last_response: null,
        claimed_until: null,
        sent_at: null,
        created_at: new Date(),
        updated_at: new Date(),
      });
      const [invitation, other] = [newId(), newId()];
      await t.store
        .insertInto('notifications', [
          row(invitation, 'user_invitation', 'ordos_1234abcd_plain-code-from-0033'),
          row(other, 'order_shipped', 'kept'),
        ] as any)
        .execute();
      await up(t.database.db);
      const secrets = Object.fromEntries(
        (await t.store.selectFrom('notifications').select(['id', 'secret']).execute()).map((r) => [r.id, r.secret]),
      );
      assert.deepEqual(secrets, { [invitation]: null, [other]: 'kept' });
    } finally {
      await t.close();
    }
  });
});
