// The command line itself; main.ts loads it once the embedded database has started opening.
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { importRemittanceFile } from '../app/money/cod-remittance.js';
import cliProgress from 'cli-progress';
import { loadConfig, type Config } from '../config.js';
import { serve } from './serve.js';
import { openDatabase } from '../store/db.js';
import { everyChangeOr, migrateToLatest, type BuildProgress } from '../store/migrate.js';
import { seedDemo, DEMO_SLUG } from '../app/demo/seed-demo.js';
import { systemClock } from '../shared/clock.js';
import { scope } from '../store/tenant-scope.js';
import { issueApiKey } from '../app/identity/issue-api-key.js';
import { importOrders } from '../app/orders/import-orders.js';
import { detectImportFormat, unknownFormatMessage } from '../app/orders/import-format.js';
import { compose } from '../compose.js';
import { isRole, type Role } from '../domain/identity/roles.js';
import { AppError } from '../shared/errors.js';
import { checkStockInvariants } from '../app/inventory/check-stock-invariants.js';
import { findTenantId } from '../app/identity/find-tenant.js';
import { backupEmbedded, BackupRefused, restoreEmbedded, type BackupPhase } from '../store/backup.js';
import { retentionCommand } from './retention.js';
import { eventSinksCommand } from './event-sinks.js';
import { exportPersonalData } from '../app/privacy/export-personal-data.js';
import { erasePersonalData, erasureInput } from '../app/privacy/erase-personal-data.js';
import { platformKeyCommand, tenantCommand } from './tenant-commands.js';
import { usersCommand } from './users.js';
import { generateCommand } from './generate-command.js';
import { stockBucketsCommand } from './stock-buckets.js';

const HELP = `ordo — order management system

Usage:
  ordo serve [--demo] [--no-worker]        run the API and console (embedded database unless DATABASE_URL);
                                           --no-worker (or ORDO_WORKER=off): an API node, workers run apart
  ordo worker                              run a worker node: outbox deliveries, process timers, jobs
                                           (any number of API and worker nodes on one PostgreSQL)
  ordo migrate                             apply database migrations
  ordo seed-demo [--orders N]              create the demo tenant, reference data and orders
  ordo create-api-key --name NAME [--roles admin,operator] [--tenant demo]
  ordo import orders FILE [--tenant demo] [--report report.json]   (CSV, JSON, EDIFACT, UBL; by content)
  ordo generate --orders N --skus M [--seed S] [--batch B] [--spacing SECONDS] [--channel CODE] [--tenant demo]   (scale data, docs/scale.md)
  ordo import cod-remittance FILE.csv|FILE.json --carrier inpost --reference R [--currency PLN]
                                           a carrier's cash-on-delivery report, matched row by row
  ordo check-stock [--tenant demo]          check stock invariants (on hand = Σ movements, …)
  ordo stock-buckets SKU LOCATION COUNT [--tenant demo]
                                           a hot SKU's free stock split into COUNT buckets for a flash
                                           sale (1 merges them back; docs/inventory.md "Hot SKUs")
  ordo backup FILE                         the embedded database (ORDO_DATA_DIR) into FILE (PostgreSQL: docs/backup.md)
  ordo restore FILE [--force]              FILE into ORDO_DATA_DIR; --force moves a non-empty folder aside first
  ordo event-sinks list | remove NAME      broker sinks workers registered (an event one takes waits for the fan-out; docs/events.md)
  ordo retention status|set [--tenant demo] [KIND=DAYS …]
                                           days each kind of record is kept, what the sweeps removed
  ordo privacy export --tenant T (--email E | --phone P | --customer ID) [--out FILE]
  ordo privacy erase --tenant T (--email E | --phone P | --customer ID) --reason R --legal-basis gdpr_art17 [--force]
                                           a data-subject request (docs/privacy.md)
  ordo tenant create|list|suspend|resume|limits|delete|export …   tenants as a product (docs/tenants.md)
  ordo platform-key create --name NAME | list | revoke ID          keys of platform operators
  ordo users list|add|set-roles|deactivate [--tenant demo] …       console users and their roles (docs/users.md)

Environment: DATABASE_URL (postgres://…; default: embedded PGlite in ORDO_DATA_DIR=./data),
             PORT (3000), HOST (127.0.0.1), LOG_LEVEL (info), DATABASE_POOL_SIZE (16);
             every setting is listed in README.md (Configuration)
`;

function progress(label: string) {
  if (!process.stderr.isTTY) return { update: (_d: number, _t: number) => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted} left`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done: number, total: number) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

/**
 * An online migration's index builds and fills (docs/production.md): a bar per index or fill on a
 * terminal, its phase in PostgreSQL's words or the fill's; elsewhere a line when the index or phase
 * changes, or every 10 s.
 */
function buildsProgress() {
  if (!process.stderr.isTTY) {
    const line = everyChangeOr(10_000, (p) =>
      console.error(
        `${p.migration}: ${p.index ? `index ${p.index}, ` : ''}${p.phase}${p.total ? ` (${p.done}/${p.total})` : ''}`,
      ),
    );
    return { update: line, stop: () => {} };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{what}: {phase} [{bar}] {percentage}%', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let shown: string | null = null;
  return {
    update(progress: BuildProgress) {
      const key = `${progress.index} ${progress.phase}`;
      if (key !== shown) {
        if (shown !== null) bar.stop();
        const what = progress.index ? `index ${progress.index}` : progress.migration;
        bar.start(Math.max(progress.total, 1), 0, { what, phase: progress.phase });
        shown = key;
      }
      bar.update(progress.done);
    },
    stop: () => shown !== null && bar.stop(),
  };
}

async function withDatabase<T>(
  config: Config,
  fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
): Promise<T> {
  for (const warning of config.warnings) console.error(`warning: ${warning}`);
  // the CLI keeps pg's default pool size (DATABASE_POOL_SIZE is the server's)
  const database = await openDatabase({ ...config.database, poolSize: undefined });
  const builds = buildsProgress();
  try {
    await migrateToLatest(database.db, database.kind === 'postgres' ? { onProgress: builds.update } : {}).finally(
      builds.stop,
    );
    return await fn(database);
  } finally {
    await database.close();
  }
}

async function tenantId(db: Awaited<ReturnType<typeof openDatabase>>['db'], slug: string) {
  const id = await findTenantId(db, slug);
  if (!id) throw new Error(`no tenant "${slug}" (run ordo seed-demo, or pass --tenant)`);
  return id;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      demo: { type: 'boolean', default: false },
      'no-worker': { type: 'boolean', default: false },
      orders: { type: 'string' },
      name: { type: 'string' },
      roles: { type: 'string', default: 'admin' },
      tenant: { type: 'string', default: DEMO_SLUG },
      carrier: { type: 'string' },
      reference: { type: 'string' },
      currency: { type: 'string', default: 'PLN' },
      report: { type: 'string' },
      force: { type: 'boolean', default: false },
      email: { type: 'string' },
      phone: { type: 'string' },
      customer: { type: 'string' },
      reason: { type: 'string' },
      'legal-basis': { type: 'string' },
      out: { type: 'string' },
      // ordo tenant … (docs/tenants.md)
      slug: { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-name': { type: 'string' },
      'admin-password': { type: 'string' },
      confirm: { type: 'string' },
      rps: { type: 'string' },
      'orders-per-day': { type: 'string' },
      'storage-bytes': { type: 'string' },
      // ordo users … (docs/users.md)
      'business-roles': { type: 'string' },
      'time-zone': { type: 'string' },
      password: { type: 'string' },
      skus: { type: 'string' },
      seed: { type: 'string' },
      batch: { type: 'string' },
      spacing: { type: 'string' },
      channel: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!command || values.help || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const config = loadConfig(env);
  const withDb = <T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>) => withDatabase(config, fn);
  switch (command) {
    case 'serve':
      await serve(values['no-worker'] ? { ...config, worker: { ...config.worker, enabled: false } } : config, {
        demo: values.demo ?? false,
      });
      return -1; // keeps running
    case 'worker': {
      const { runWorker } = await import('../worker/main.js');
      await runWorker(config);
      return -1; // keeps running until SIGTERM
    }
    case 'migrate':
      return withDb(async (database) => {
        console.log(`migrated ${database.describe}`);
        return 0;
      });
    case 'seed-demo':
      return withDb(async (database) => {
        const bar = progress('demo orders');
        const demo = await seedDemo(
          compose({ clock: systemClock, publicUrl: config.http.publicUrl }).processes,
          database.db,
          systemClock,
          {
            orders: values.orders ? Number(values.orders) : undefined,
            onProgress: bar.update,
            adminPassword: config.demo.password,
          },
        );
        bar.stop();
        if (!demo) {
          console.log('the demo tenant exists already');
          return 0;
        }
        console.log(
          `demo tenant seeded with ${demo.orders} orders\n  console login: ${demo.adminEmail} / ${demo.adminPassword}\n  admin API key: ${demo.apiKey}`,
        );
        return 0;
      });
    case 'create-api-key': {
      const roles = (values.roles ?? 'admin').split(',').map((r) => r.trim());
      const bad = roles.filter((r) => !isRole(r));
      if (!values.name || bad.length) {
        console.error(bad.length ? `unknown role(s): ${bad.join(', ')}` : '--name is required');
        return 2;
      }
      return withDb(async (database) => {
        const store = scope(database.db, await tenantId(database.db, values.tenant!));
        const key = await issueApiKey(
          store,
          { type: 'system', id: null, name: 'ordo cli' },
          { name: values.name!, roles: roles as Role[] },
        );
        console.log(key.secret);
        return 0;
      });
    }
    case 'import': {
      const [what, file] = positionals;
      if (what === 'cod-remittance' && file) return withDb((database) => importCodRemittance(database, file, values));
      if (what !== 'orders' || !file) {
        console.error(
          'usage: ordo import orders FILE (CSV, JSON, EDIFACT, UBL) | ordo import cod-remittance FILE --carrier C --reference R',
        );
        return 2;
      }
      // the format is recognised from the content before anything is opened: a file Ordo cannot read says so at once
      let head: Buffer;
      try {
        head = readFileSync(file);
      } catch (error) {
        console.error(`cannot read ${file}: ${(error as Error).message}`);
        return 2;
      }
      if (!detectImportFormat(head)) {
        console.error(unknownFormatMessage(basename(file)));
        return 2;
      }
      return withDb(async (database) => {
        const store = scope(database.db, await tenantId(database.db, values.tenant!));
        const bar = progress('importing orders');
        let report;
        try {
          report = await importOrders(
            compose({ clock: systemClock, publicUrl: config.http.publicUrl }).processes,
            store,
            { type: 'system', id: null, name: `import ${file}` },
            systemClock,
            file,
            bar.update,
          );
        } catch (error) {
          bar.stop();
          // a file in no format Ordo reads (or one it recognises but cannot import yet): say which
          if (error instanceof AppError && error.code.startsWith('IMPORT_FORMAT_')) {
            console.error(error.message);
            return 2;
          }
          throw error;
        }
        bar.stop();
        const reportPath = values.report ?? `${file}.report.json`;
        writeFileSync(reportPath, JSON.stringify(report, null, 2));
        console.log(
          `${report.format}: ${report.orders} orders: ${report.accepted} accepted, ${report.duplicates} already imported, ${report.rejected} rejected`,
        );
        for (const item of report.items.filter((x) => x.status === 'rejected').slice(0, 20)) {
          console.log(
            `  rows ${item.rows.join(',')}${item.externalId ? ` (${item.externalId})` : ''}: ${item.problem!.code} ${item.problem!.errors.map((e) => `${e.path} ${e.message}`).join('; ') || item.problem!.detail}`,
          );
        }
        console.log(`full report: ${reportPath}`);
        return report.rejected > 0 ? 1 : 0;
      });
    }
    case 'privacy':
      return privacyCommand(positionals[0], values, withDb, config);
    case 'check-stock':
      return withDb(async (database) => {
        const tenant = rest.includes('--tenant') ? await tenantId(database.db, values.tenant!) : undefined;
        const violations = await checkStockInvariants(database.db, tenant ? { tenantId: tenant } : {});
        for (const violation of violations) console.log(JSON.stringify(violation));
        console.log(violations.length === 0 ? 'stock invariants hold' : `${violations.length} violation(s)`);
        return violations.length === 0 ? 0 : 1;
      });
    case 'stock-buckets':
      return withDb(async (database) =>
        stockBucketsCommand(database.db, await tenantId(database.db, values.tenant!), positionals),
      );
    case 'backup':
    case 'restore':
      return backupCommand(command, config, positionals[0], values.force ?? false);
    case 'event-sinks':
      return withDb((database) => eventSinksCommand(database.db, positionals));
    case 'retention':
      return withDb(async (database) =>
        retentionCommand(database.db, config.retention, {
          action: positionals[0],
          pairs: positionals.slice(1),
          tenantId: rest.includes('--tenant') ? await tenantId(database.db, values.tenant!) : undefined,
        }),
      );
    case 'tenant':
      return withDb((database) => tenantCommand(database.db, config, positionals, values));
    case 'users':
      return withDb(async (database) =>
        usersCommand(database.db, await tenantId(database.db, values.tenant!), positionals, {
          ...values,
          roles: rest.some((arg) => arg.startsWith('--roles')) ? values.roles : undefined,
        }),
      );
    case 'generate':
      return withDb(async (database) =>
        generateCommand(database.db, await tenantId(database.db, values.tenant!), values, progress('generated orders')),
      );
    case 'platform-key':
      return withDb((database) => platformKeyCommand(database.db, positionals, values.name));
    default:
      console.error(`unknown command ${command}\n\n${HELP}`);
      return 2;
  }
}

/** `ordo import cod-remittance`: the report matched row by row, with a progress bar and a summary per outcome. */
async function importCodRemittance(
  database: Awaited<ReturnType<typeof openDatabase>>,
  file: string,
  values: {
    tenant?: string | undefined;
    carrier?: string | undefined;
    reference?: string | undefined;
    currency?: string | undefined;
  },
): Promise<number> {
  if (!values.carrier || !values.reference) {
    console.error(
      'usage: ordo import cod-remittance FILE.csv|FILE.json --carrier CODE --reference REPORT-NO [--currency PLN]',
    );
    return 2;
  }
  const store = scope(database.db, await tenantId(database.db, values.tenant ?? DEMO_SLUG));
  const bar = progress('matching remittance rows');
  const result = await importRemittanceFile(
    store,
    { type: 'system', id: null, name: `import ${basename(file)}` },
    systemClock.now(),
    {
      text: readFileSync(file, 'utf8'),
      fileName: basename(file),
      carrier: values.carrier,
      reference: values.reference,
      currency: values.currency ?? 'PLN',
    },
    bar.update,
  );
  bar.stop();
  console.log(
    `${result.rows} rows, ${result.total} ${values.currency ?? 'PLN'}: ${result.matched} matched, ${result.difference} different, ${result.duplicate} duplicate, ${result.unknown_shipment} unknown shipment, ${result.not_cod} not COD; ${result.missing} missing remittance task(s) opened`,
  );
  return result.matched === result.rows ? 0 : 1;
}

const PHASES: Record<BackupPhase, string> = {
  dumping: 'dumping the database',
  writing: 'writing the backup',
  reading: 'reading the backup',
  loading: 'loading the database',
  migrating: 'migrating',
  checking: 'checking',
};

/** `ordo backup FILE` / `ordo restore FILE [--force]`: the embedded database only, with progress on stderr. */
async function backupCommand(
  command: 'backup' | 'restore',
  config: Config,
  file: string | undefined,
  force: boolean,
): Promise<number> {
  if (!file) {
    console.error(`usage: ordo ${command} FILE${command === 'restore' ? ' [--force]' : ''}`);
    return 2;
  }
  if (config.database.url) {
    console.error(
      `ordo ${command} is for the embedded database; PostgreSQL is backed up with pg_basebackup and WAL archiving or pg_dump (docs/backup.md)`,
    );
    return 2;
  }
  // a bar for the byte-counted phases, one line for the others
  let bar: ReturnType<typeof progress> | null = null;
  let phase: BackupPhase | null = null;
  const onProgress = (next: BackupPhase, done: number, total: number) => {
    if (next !== phase) {
      bar?.stop();
      bar = next === 'writing' || next === 'reading' ? progress(PHASES[next]) : null;
      if (!bar || !process.stderr.isTTY) console.error(`${PHASES[next]}…`);
      phase = next;
    }
    bar?.update(done, total);
  };
  try {
    if (command === 'backup') {
      const { bytes } = await backupEmbedded(config.database.dataDir, file, onProgress);
      (bar as ReturnType<typeof progress> | null)?.stop();
      console.log(`backed up ${config.database.dataDir} into ${file} (${(bytes / 1_048_576).toFixed(1)} MB)`);
      return 0;
    }
    const restored = await restoreEmbedded(config.database.dataDir, file, { force }, onProgress);
    (bar as ReturnType<typeof progress> | null)?.stop();
    console.log(
      `restored ${file} into ${config.database.dataDir}: ${restored.tenants} tenant(s), ${restored.orders} order(s)` +
        (restored.migrated.length ? `, migrated ${restored.migrated.join(', ')}` : ', schema up to date') +
        (restored.previous ? `\nthe folder that was there is now ${restored.previous}` : ''),
    );
    return 0;
  } catch (error) {
    (bar as ReturnType<typeof progress> | null)?.stop();
    if (error instanceof BackupRefused) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

/** Runs a command line and exits with its code (unless it keeps running, as serve does). */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (result) => {
      console.error(
        result instanceof AppError
          ? `${result.code}: ${result.message}`
          : result instanceof Error
            ? result.message
            : result,
      );
      process.exit(1);
    },
  );
}

interface PrivacyOptions {
  tenant?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  customer?: string | undefined;
  reason?: string | undefined;
  'legal-basis'?: string | undefined;
  force?: boolean | undefined;
  out?: string | undefined;
}

/** `ordo privacy export|erase`: a data-subject request from the command line (the same use cases as the API). */
async function privacyCommand(
  action: string | undefined,
  values: PrivacyOptions,
  withDb: (fn: (database: Awaited<ReturnType<typeof openDatabase>>) => Promise<number>) => Promise<number>,
  config: Config,
): Promise<number> {
  const ref = values.customer ? { customerId: values.customer } : { email: values.email, phone: values.phone };
  if ((action !== 'export' && action !== 'erase') || (!values.customer && !values.email && !values.phone)) {
    console.error('usage: ordo privacy export|erase --tenant T (--email E | --phone P | --customer ID)');
    return 2;
  }
  // an erasure without its reason or legal basis is refused before the database is opened
  const input = erasureInput.safeParse({
    reason: values.reason,
    legalBasis: values['legal-basis'],
    ...(values.force ? { force: true } : {}),
  });
  if (action === 'erase' && !input.success) {
    console.error(`--reason and --legal-basis are required: ${input.error.issues.map((i) => i.message).join('; ')}`);
    return 2;
  }
  const actor = { type: 'system' as const, id: null, name: 'ordo cli' };
  return withDb(async (database) => {
    const store = scope(database.db, await tenantId(database.db, values.tenant!));
    try {
      if (action === 'export') {
        const data = await exportPersonalData(store, systemClock.now(), ref);
        const json = JSON.stringify(data, null, 2);
        if (values.out) writeFileSync(values.out, json);
        else console.log(json);
        return 0;
      }
      const outcome = await erasePersonalData(store, actor, systemClock.now(), ref, input.data!, {
        invoiceRetentionYears: config.privacy.invoiceRetentionYears,
      });
      console.log(JSON.stringify(outcome, null, 2));
      return 0;
    } catch (error) {
      if (error instanceof AppError) {
        console.error(`${error.code}: ${error.message}`);
        if (Object.keys(error.data).length) console.error(JSON.stringify(error.data));
        return 1;
      }
      throw error;
    }
  });
}
