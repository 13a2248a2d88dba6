import type { FastifyBaseLogger } from 'fastify';
import type { PaymentProviders } from '../src/app/money/execute-payment-operation.js';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase, type Database } from '../src/store/db.js';
import { createScratchDatabase } from '../src/store/scratch-database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { buildApp, type RouteModule } from '../src/api/app.js';
import { compose, type Services } from '../src/compose.js';
import type { ChannelServices } from '../src/app/channels/services.js';
import { createChannelConnectors } from '../src/integrations/channels/index.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { fixedClock, systemClock, type Clock } from '../src/shared/clock.js';
import { scope, type TenantScope } from '../src/store/tenant-scope.js';
import type { Config } from '../src/config.js';
import type { CarrierRegistry } from '../src/integrations/carriers/index.js';

/**
 * Test databases: PGlite in memory by default; with TEST_DATABASE_URL, a fresh PostgreSQL
 * database per test file (created here, dropped at close), so files never see each other's rows.
 * Both start from a migrated template made once per set of migrations (`pgliteTemplate` and
 * `postgresTemplate` below),
 * not from an empty cluster migrated again by every file.
 */
export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

export async function freshDatabase(): Promise<Database & { url?: string }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const d = await openDatabase({
      dataDir: 'memory://',
      loadDataDir: await pgliteTemplate(),
      // TEST_PGLITE_THREAD=1: every memory database on its own thread, as a data folder runs
      thread: process.env.TEST_PGLITE_THREAD === '1',
    });
    await migrateToLatest(d.db);
    return d;
  }
  const scratch = await createScratchDatabase(base, 'ordo_t', await postgresTemplate(base));
  const d = await openDatabase({ url: scratch.url, poolSize: 40 });
  await migrateToLatest(d.db);
  return {
    ...d,
    url: scratch.url,
    async close() {
      await d.close();
      await scratch.drop();
    },
  };
}

/**
 * What a template is made of: the migrations (names and text) and the PGlite build. A change to
 * either makes a new template, so a test never starts from a schema the code does not have.
 */
const templateKey = (() => {
  const hash = createHash('sha256');
  const folder = fileURLToPath(new URL('../src/store/migrations/', import.meta.url));
  for (const name of readdirSync(folder).sort()) hash.update(name).update(readFileSync(join(folder, name)));
  const pglite = fileURLToPath(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url));
  hash.update(JSON.parse(readFileSync(pglite, 'utf8')).version as string);
  return hash.digest('hex').slice(0, 16);
})();

/** A template other migrations made stays a day (a run of an older checkout may still copy it), then goes. */
const TEMPLATE_KEPT_MS = 86_400_000;

let pgliteDump: Promise<Blob> | undefined;

/**
 * The template's bytes as the Blob PGlite asks for: Node's Blob.arrayBuffer() reads a 46 MB blob
 * in small chunks and joins them (~0.3 s per database opened); this one copies it at once.
 */
class BytesBlob extends Blob {
  constructor(private readonly content: Uint8Array) {
    super([content]);
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    // a copy: a database on its own thread is handed (and so detaches) the buffer it gets
    return Promise.resolve(new Uint8Array(this.content).buffer);
  }
}

/**
 * The migrated embedded database as a dump, kept in the temp folder for every test process: a
 * memory database loaded from it opens in ~0.6 s where initdb plus the migrations take ~2.7 s.
 * Made by whichever process needs it first (written beside, then renamed: never half a file).
 */
function pgliteTemplate(): Promise<Blob> {
  pgliteDump ??= (async () => {
    const file = join(tmpdir(), `ordo-test-template-${templateKey}.pgdata`);
    if (existsSync(file)) return new BytesBlob(readFileSync(file));
    const made = await openDatabase({ dataDir: 'memory://' });
    await migrateToLatest(made.db);
    const dump = await made.dumpDataDir!();
    await made.close();
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
    // other migration sets' dumps, a day after they were last written
    for (const other of readdirSync(tmpdir()).filter((f) => /^ordo-test-template-\w+\.pgdata$/.test(f))) {
      const path = join(tmpdir(), other);
      const made = statSync(path, { throwIfNoEntry: false })?.mtimeMs; // another test process may prune it first
      if (path !== file && made !== undefined && Date.now() - made > TEMPLATE_KEPT_MS) rmSync(path, { force: true });
    }
    return dump;
  })();
  return pgliteDump;
}

/**
 * Drops the templates of other migration sets made more than a day ago (their comment holds when;
 * one without is from before templates were dated). One in use is left for the next time.
 */
async function pruneTemplates(client: pg.Client, current: string): Promise<void> {
  const { rows } = await client.query<{ datname: string; made: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as made from pg_database
      where datname like 'ordo\\_tpl\\_%' and datname not like '%\\_building' and datname <> $1`,
    [current],
  );
  for (const { datname, made } of rows) {
    if (made && Date.now() - Date.parse(made) < TEMPLATE_KEPT_MS) continue;
    await client.query(`drop database if exists ${datname}`).catch(() => {});
  }
}

/**
 * The migrated PostgreSQL database that each test file's database is copied from
 * (`create database … template`, ~0.1 s, where migrating takes ~0.5 s). Made once per server and
 * set of migrations, under an advisory lock; built under another name and renamed when complete,
 * so a crash mid-way never leaves a half template to copy.
 */
async function postgresTemplate(base: string): Promise<string> {
  const name = `ordo_tpl_${templateKey}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    const exists = async () => (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount;
    if (await exists()) return name;
    await client.query('select pg_advisory_lock(7407101)');
    if (await exists()) return name;
    const building = `${name}_building`;
    await client.query(`drop database if exists ${building} with (force)`);
    await client.query(`create database ${building}`);
    const url = new URL(base);
    url.pathname = `/${building}`;
    const d = await openDatabase({ url: url.toString(), poolSize: 1 });
    try {
      await migrateToLatest(d.db);
    } finally {
      await d.close();
    }
    await client.query(`alter database ${building} rename to ${name}`);
    await client.query(`comment on database ${name} is '${new Date().toISOString()}'`);
    await pruneTemplates(client, name);
    return name;
  } finally {
    await client.end();
  }
}

export interface TestApp {
  database: Database & { url?: string };
  app: Awaited<ReturnType<typeof buildApp>>;
  tenantId: string;
  apiKey: string;
  store: TenantScope;
  clock: Clock;
  /** What the composition root wired for this app (operations, process engine, jobs). */
  services: Services;
  /** JSON request with the admin key (or the given key / no key). */
  call(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function testApp(
  opts: {
    clock?: Clock;
    modules?: RouteModule[];
    database?: Database;
    config?: Config;
    /** Payment provider adapters (tests against the local provider servers). */
    payments?: PaymentProviders;
    carriers?: CarrierRegistry;
    /** Channel connectors (default: every shipped connector, a throw-away credentials key). */
    channels?: ChannelServices;
    /** The server's request log (a test that checks what is logged); none by default. */
    logger?: FastifyBaseLogger;
  } = {},
): Promise<TestApp> {
  const database = opts.database ?? (await freshDatabase());
  const clock = opts.clock ?? systemClock;
  const channels = opts.channels ?? testChannels();
  const services = compose({
    clock,
    publicUrl: opts.config?.http.publicUrl,
    payments: opts.payments,
    carriers: opts.carriers,
    channels,
  });
  const app = await buildApp(
    {
      db: database.db,
      readDb: database.readDb,
      dbKind: database.kind,
      clock,
      ready: async () => true,
      processes: services.processes,
      payments: services.payments,
      channels,
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.carriers ? { carriers: opts.carriers } : {}),
    },
    { modules: opts.modules ?? [], ...(opts.logger ? { logger: opts.logger } : {}) },
  );
  const t = await createTenant(database.db, {
    slug: `t-${randomBytes(4).toString('hex')}`,
    name: 'Test tenant',
    admin: {
      email: `admin-${randomBytes(4).toString('hex')}@example.pl`,
      name: 'Zofia Łukasiewicz',
      password: 'correct horse battery staple',
    },
  });
  const call: TestApp['call'] = async (method, url, body, headers = {}) => {
    const auth = 'authorization' in headers ? {} : { authorization: `Bearer ${t.apiKey}` };
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...auth, ...headers },
      ...(body === undefined
        ? {}
        : typeof body === 'string'
          ? { payload: body, headers: { 'content-type': 'application/json', ...auth, ...headers } }
          : { payload: body as object }),
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body: parsed, headers: res.headers as Record<string, unknown> };
  };
  return {
    database,
    app,
    tenantId: t.tenantId,
    apiKey: t.apiKey,
    store: scope(database.db, t.tenantId),
    clock,
    services,
    call,
    async close() {
      await app.close();
      if (!opts.database) await database.close();
    },
  };
}

export { fixedClock };

/** Minimal reference data for order tests: a channel, products, a customer and locations. */
/** Every shipped channel connector with a throw-away credentials key and short timeouts (local servers). */
export function testChannels(): ChannelServices {
  return { connectors: createChannelConnectors(), secretKey: randomBytes(32), http: { timeoutMs: 3000 } };
}

export async function seedBasics(t: TestApp) {
  const ok = async (url: string, body: unknown) => {
    const r = await t.call('POST', url, body);
    if (r.status !== 201) throw new Error(`${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const web = await ok('/api/v1/channels', { code: 'web', name: 'Sklep internetowy', kind: 'web', currency: 'PLN' });
  const wb = await ok('/api/v1/channels', {
    code: 'wildberries',
    name: 'Wildberries',
    kind: 'marketplace',
    currency: 'RUB',
  });
  const products = [];
  for (const [sku, name] of [
    ['SKU-1', 'Kubek ceramiczny żółty'],
    ['SKU-2', 'Чайник электрический'],
    ['SKU-3', 'Łyżka stołowa'],
  ] as const) {
    products.push(await ok('/api/v1/products', { sku, name, weightG: 350 }));
  }
  const customer = await ok('/api/v1/customers', {
    code: 'C-1',
    name: 'Grzegorz Brzęczyszczykiewicz',
    email: 'grzegorz@example.pl',
    locale: 'pl',
  });
  const warehouse = await ok('/api/v1/locations', {
    code: 'WAW-1',
    name: 'Magazyn Warszawa',
    kind: 'warehouse',
    country: 'PL',
    latitude: 52.2297,
    longitude: 21.0122,
    capabilities: ['ships'],
  });
  const store = await ok('/api/v1/locations', {
    code: 'KRK-S',
    name: 'Sklep Kraków',
    kind: 'store',
    country: 'PL',
    latitude: 50.0647,
    longitude: 19.945,
    capabilities: ['ships', 'pickup'],
  });
  return { web, wb, products, customer, warehouse, store };
}

export const address = {
  name: 'Grzegorz Brzęczyszczykiewicz',
  line1: 'ul. Świętokrzyska 12/4',
  city: 'Łódź',
  postalCode: '90-001',
  country: 'PL',
};

export function orderBody(over: Record<string, unknown> = {}) {
  return {
    channel: 'web',
    customer: { code: 'C-1' },
    currency: 'PLN',
    lines: [
      { sku: 'SKU-1', quantity: 2, unitPrice: '19.99', taxRate: '23' },
      { sku: 'SKU-2', quantity: 1, unitPrice: '149.00', taxRate: '23', discount: '10.00' },
      { sku: 'SKU-3', quantity: 5, unitPrice: '3.50', taxRate: '8' },
    ],
    shipping: { amount: '14.99', taxRate: '23' },
    shippingAddress: address,
    delivery: { method: 'ship' },
    ...over,
  };
}

/** A Polish seller as the default issuer of invoices (PUT /sellers/{code}). */
export async function setUpSeller(t: TestApp, over: Record<string, unknown> = {}, code = 'main') {
  const r = await t.call('PUT', `/api/v1/sellers/${code}`, {
    name: 'Sklep Łódź sp. z o.o.',
    taxId: '5260250274',
    address: { line1: 'ul. Piotrkowska 1', city: 'Łódź', postalCode: '90-001', country: 'PL' },
    country: 'PL',
    bankAccount: 'PL61109010140000071219812874',
    isDefault: true,
    ...over,
  });
  if (r.status !== 200) throw new Error(`seller: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
