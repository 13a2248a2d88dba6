import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CONFIG_DOCS_END,
  CONFIG_DOCS_START,
  ConfigError,
  configDocs,
  configSchema,
  defaultConfig,
  describeConfig,
  loadConfig,
  settingsTable,
  withConfigDocs,
} from '../src/config.js';

const problems = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail('loadConfig accepted a bad configuration');
};

test('Given no variables, Then every setting takes its documented default', () => {
  const c = loadConfig({});
  assert.deepEqual(c.database, {
    url: undefined,
    readUrl: undefined,
    failoverWaitMs: 5000,
    dataDir: './data',
    poolSize: 16,
    prepare: true,
    pipeline: true,
  });
  assert.deepEqual(c.http, {
    port: 3000,
    host: '127.0.0.1',
    publicUrl: undefined,
    drainDelayMs: 0,
    shutdownTimeoutMs: 30_000,
  });
  assert.equal(c.logging.level, 'info');
  assert.equal(c.worker.enabled, true);
  assert.equal(c.worker.pollMs, undefined, 'the dispatcher and jobs runner keep their own defaults');
  assert.equal(c.webhooks.allowPrivate, false);
  assert.deepEqual(c.broker, { natsUrl: undefined, stream: 'ORDO_EVENTS', subjectPrefix: 'ordo.events' });
  assert.deepEqual(
    { ...c.smtp },
    {
      host: undefined,
      port: 587,
      secure: false,
      user: undefined,
      pass: undefined,
      from: 'Ordo <no-reply@localhost>',
      timeoutMs: 10_000,
      allowUnverifiedTls: false,
    },
  );
  assert.equal(c.carriers.manual, true);
  assert.equal(c.routing.exactWarmup, 'first-use', 'embedded: warmed once an order needs it');
  assert.equal(c.demo.password, undefined);
  assert.deepEqual(c.warnings, []);
  assert.deepEqual(defaultConfig(), c);
});

test('Given values, Then they are typed and nested; blank means unset; on/off accepts the usual spellings', () => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://ordo:pw@db:5432/ordo',
    PORT: '8080',
    ORDO_POLL_MS: '50',
    ORDO_WORKER: 'OFF',
    ORDO_PIPELINE: 'false',
    ORDO_PREPARE: '0',
    ORDO_SMTP_HOST: ' smtp.example.pl ',
    ORDO_SMTP_PORT: '465',
    ORDO_DATA_DIR: '',
    LOG_LEVEL: 'WARN',
    ORDO_WEBHOOKS_ALLOW_PRIVATE: 'yes',
    CDEK_TARIFF: '136',
  });
  assert.equal(c.database.url, 'postgres://ordo:pw@db:5432/ordo');
  assert.equal(c.database.dataDir, './data');
  assert.equal(c.database.pipeline, false);
  assert.equal(c.database.prepare, false);
  assert.equal(c.http.port, 8080);
  assert.equal(c.worker.pollMs, 50);
  assert.equal(c.worker.enabled, false);
  assert.equal(c.logging.level, 'warn');
  assert.equal(c.webhooks.allowPrivate, true);
  assert.equal(c.smtp.host, 'smtp.example.pl');
  assert.equal(c.smtp.secure, true, 'port 465 implies TLS from the first byte');
  assert.equal(loadConfig({ ORDO_SMTP_PORT: '465', ORDO_SMTP_SECURE: 'off' }).smtp.secure, false);
  assert.equal(c.carriers.cdek.tariff, 136);
  assert.equal(c.routing.exactWarmup, 'on', 'PostgreSQL: warmed 2 s after start');
  assert.equal(loadConfig({ ORDO_EXACT_WARMUP: 'First-Use' }).routing.exactWarmup, 'first-use');
  assert.equal(loadConfig({ DATABASE_URL: 'postgres://db/ordo', ORDO_EXACT_WARMUP: 'no' }).routing.exactWarmup, 'off');
  assert.equal(loadConfig({ ORDO_EXACT_WARMUP: 'true' }).routing.exactWarmup, 'on');
});

test('Given bad values, Then one error names every bad variable with what it must be and what it got', () => {
  const p = problems({
    ORDO_POLL_MS: 'abc',
    PORT: '70000',
    ORDO_WORKER: 'maybe',
    LOG_LEVEL: 'loud',
    ORDO_PUBLIC_URL: 'sklep.example.pl',
    ORDO_LEASE_MS: '0',
    INPOST_BASE_URL: 'ftp://x',
    ORDO_EXACT_WARMUP: 'later',
  });
  assert.deepEqual([...p].sort(), [
    'INPOST_BASE_URL must be an http:// or https:// URL, not "ftp://x"',
    'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, not "loud"',
    'ORDO_EXACT_WARMUP must be on, first-use or off, not "later"',
    'ORDO_LEASE_MS must be a positive integer, not "0"',
    'ORDO_POLL_MS must be a positive integer, not "abc"',
    'ORDO_PUBLIC_URL must be an http:// or https:// URL, not "sklep.example.pl"',
    'ORDO_WORKER must be on or off (also true/false, yes/no, 1/0), not "maybe"',
    'PORT must be a port number, not "70000"',
  ]);
  assert.throws(
    () => loadConfig({ ORDO_POLL_MS: 'abc', PORT: 'x' }),
    (e: Error) => {
      assert.match(e.message, /^invalid configuration \(2 problems\):\n {2}/);
      assert.match(e.message, /ORDO_POLL_MS must be a positive integer, not "abc"/);
      return true;
    },
  );
});

test('Given a bad secret, Then the error names the variable but never shows the value', () => {
  const p = problems({ DATABASE_URL: 'mysql://root:hunter2@db/ordo' });
  assert.equal(p.length, 1);
  assert.match(
    p[0]!,
    /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL, not the value given \(not shown: a secret\)$/,
  );
  assert.ok(!p[0]!.includes('hunter2'));
});

test('Given secrets, Then describeConfig redacts them (a URL keeps its host) and shows the rest', () => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://ordo:hunter2@db:5432/ordo',
    ORDO_SMTP_HOST: 'smtp.example.pl',
    ORDO_SMTP_PASS: 'smtp-secret',
    ORDO_SMTP_USER: 'shop',
    INPOST_TOKEN: 'inpost-secret',
    INPOST_ORGANIZATION_ID: '42',
    ORDO_CARRIER_WEBHOOK_TOKEN: 'hook-secret',
    ORDO_DEMO_PASSWORD: 'demo-secret',
    DHL_API_KEY: 'dhl-key',
    DHL_USERNAME: 'u',
    DHL_PASSWORD: 'dhl-pw',
    DHL_BILLING_NUMBER: '1',
    CDEK_CLIENT_ID: 'id',
    CDEK_CLIENT_SECRET: 'cdek-secret',
    NATS_URL: 'nats://user:nats-secret@nats:4222',
  });
  const d = describeConfig(c) as any;
  const text = JSON.stringify(d);
  for (const secret of [
    'hunter2',
    'smtp-secret',
    'inpost-secret',
    'hook-secret',
    'demo-secret',
    'dhl-key',
    'dhl-pw',
    'cdek-secret',
    'nats-secret',
  ]) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  assert.equal(d.database.url, 'postgres://ordo:***@db:5432/ordo');
  assert.equal(d.smtp.pass, '[redacted]');
  assert.equal(d.smtp.user, 'shop');
  assert.equal(d.carriers.inpost.token, '[redacted]');
  assert.equal(d.carriers.inpost.organizationId, '42');
  assert.equal(d.broker.natsUrl, 'nats://user:***@nats:4222');
  assert.equal(d.http.port, 3000);
  assert.equal('warnings' in d, false);
});

test('Given an unknown ORDO_ variable, Then a warning names the nearest known settings; other variables are not checked', () => {
  const c = loadConfig({
    ORDO_POL_MS: '50',
    ORDO_SMTP_HOSTNAME: 'x',
    ORDO_SOMETHING_ELSE_ENTIRELY: '1',
    PATH: '/usr/bin',
    HOME: '/root',
  });
  assert.deepEqual(c.warnings, [
    'ORDO_POL_MS is not a known setting and is ignored (did you mean ORDO_POLL_MS?)',
    'ORDO_SMTP_HOSTNAME is not a known setting and is ignored (did you mean ORDO_SMTP_HOST?)',
    'ORDO_SOMETHING_ELSE_ENTIRELY is not a known setting and is ignored',
  ]);
  assert.equal(c.worker.pollMs, undefined);
});

test('Given a carrier with part of its credentials, Then a warning says which are missing (and it is not offered)', () => {
  const c = loadConfig({ CDEK_CLIENT_ID: 'id', DHL_API_KEY: 'k', DHL_USERNAME: 'u' });
  assert.deepEqual(c.warnings, [
    'DHL Parcel DE is not offered: DHL_PASSWORD, DHL_BILLING_NUMBER are not set',
    'CDEK is not offered: CDEK_CLIENT_SECRET is not set',
  ]);
});

test('Every setting is documented: a group, a path into Config, a description and the processes that read it', () => {
  const c = loadConfig({});
  for (const s of settingsTable()) {
    assert.ok(s.description.length > 10, s.name);
    assert.ok(s.processes.length > 0, s.name);
    assert.ok(s.default, s.name);
    const parent = s.path
      .split('.')
      .slice(0, -1)
      .reduce<any>((o, k) => o?.[k], c);
    assert.ok(
      parent && typeof parent === 'object' && s.path.split('.').pop()! in parent,
      `${s.name}: ${s.path} is not in Config`,
    );
  }
  assert.equal(settingsTable().length, Object.keys(configSchema.shape).length);
});

test('README.md configuration table is the one the schema produces (npm run config:docs)', () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const block = readme.slice(
    readme.indexOf(CONFIG_DOCS_START) + CONFIG_DOCS_START.length,
    readme.indexOf(CONFIG_DOCS_END),
  );
  assert.equal(block, `\n${configDocs()}\n`, 'README.md is out of date: run npm run config:docs');
  assert.equal(withConfigDocs(readme), readme);
  for (const s of settingsTable()) assert.ok(block.includes(`\`${s.name}\``), s.name);
});
