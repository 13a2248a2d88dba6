/**
 * The 1C exchange protocol ("обмен с сайтом"), Ordo being the site: 1C calls
 * `<base>?type=catalog|sale&mode=…` and reads plain-text answers, first line `success`,
 * `progress` or `failure` (then the reason). One function per request; the route only carries
 * HTTP in and out.
 *
 *   checkauth  HTTP Basic → success, cookie name, cookie value (a session)
 *   init       zip=no, file_limit=<bytes> (sale: also sessid= and version=)
 *   file       the body is (a chunk of) the named file, appended in order
 *   import     catalog: apply import.xml / offers.xml …; sale: apply orders.xml (also applied
 *              at its last chunk, as 1C sends sale files without an import call)
 *   query      sale: the orders new or changed since 1C's last success (CommerceML)
 *   success    sale: 1C took them
 */
import { createHash } from 'node:crypto';
import { newId } from '../../shared/ids.js';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { Db } from '../../store/db.js';
import { scope, type TenantScope } from '../../store/tenant-scope.js';
import {
  describeProblem,
  readCatalogFile,
  readOrdersFile,
  type CmlRead,
} from '../../integrations/erp/commerceml/index.js';
import type { ChannelServices } from '../channels/services.js';
import type { OrderProcesses } from '../process/order-processes.js';
import {
  basicCredentials,
  connectionByLogin,
  currentSession,
  oneCActor,
  ONEC_SESSION_COOKIE,
  openSession,
  sessionByToken,
  type OneCConnection,
} from './onec-connection.js';
import {
  appendChunk,
  clearSessionFiles,
  loadFile,
  looksComplete,
  markImported,
  unsafeFileName,
} from './exchange-files.js';
import { logExchange } from './exchange-log.js';
import { importCatalog, type PriceListSink } from './import-catalog.js';
import { confirmOrders, queryOrders } from './exchange-orders.js';
import { importOrders } from './import-orders.js';

export interface ExchangeDeps {
  db: Db;
  clock: Clock;
  processes: OrderProcesses;
  services: ChannelServices;
  /** Price lists from 1C's price types (the pricing capability); absent: prices are kept in the log only. */
  priceLists?: PriceListSink;
}

export interface ExchangeRequest {
  type?: string | undefined;
  mode?: string | undefined;
  filename?: string | undefined;
  authorization?: string | undefined;
  /** The value of Ordo's session cookie, when 1C sent it. */
  session?: string | undefined;
  body: Buffer;
}

export interface ExchangeReply {
  status: number;
  contentType: string;
  body: string | Buffer;
  cookie?: { name: string; value: string };
}

const TEXT = 'text/plain; charset=utf-8';
const text = (body: string, status = 200): ExchangeReply => ({ status, contentType: TEXT, body });
/** 1C shows the lines after `failure` to its user: the reason, one problem per line (the first 20). */
const failure = (reason: string, problems: string[] = [], status = 200): ExchangeReply =>
  text(
    [
      'failure',
      reason,
      ...problems.slice(0, 20),
      ...(problems.length > 20 ? [`… ${problems.length - 20} more`] : []),
    ].join('\n'),
    status,
  );

const TYPES = ['catalog', 'sale'] as const;
const MODES = ['checkauth', 'init', 'file', 'import', 'query', 'success', 'deactivate', 'complete'] as const;

async function authenticate(
  deps: ExchangeDeps,
  req: ExchangeRequest,
  type: 'catalog' | 'sale',
): Promise<{ conn: OneCConnection; sessionId: string } | null> {
  const now = deps.clock.now();
  if (req.session) {
    const found = await sessionByToken(deps.db, req.session, now);
    if (found) return { conn: found.conn, sessionId: found.sessionId };
  }
  const basic = basicCredentials(req.authorization);
  if (!basic) return null;
  const conn = await connectionByLogin(deps.db, deps.services, basic.login, basic.password);
  if (!conn) return null;
  return { conn, sessionId: await currentSession(deps.db, conn, type, now) };
}

/** One protocol request → its plain-text (or XML) answer. Misuse outside the protocol throws (problem+json). */
export async function handleExchange(deps: ExchangeDeps, req: ExchangeRequest): Promise<ExchangeReply> {
  const type = req.type as (typeof TYPES)[number];
  const mode = req.mode as (typeof MODES)[number];
  if (!TYPES.includes(type))
    throw new AppError('VALIDATION_FAILED', 'type must be catalog or sale', [
      { path: '/type', message: 'catalog or sale' },
    ]);
  if (!MODES.includes(mode))
    throw new AppError('VALIDATION_FAILED', `mode must be one of ${MODES.join(', ')}`, [
      { path: '/mode', message: 'unknown mode' },
    ]);
  const now = deps.clock.now();

  if (mode === 'checkauth') {
    const basic = basicCredentials(req.authorization);
    if (!basic)
      return failure('HTTP Basic authorisation is required (the login and password of the 1C connection)', [], 401);
    const conn = await connectionByLogin(deps.db, deps.services, basic.login, basic.password);
    if (!conn) return failure('wrong login or password / неверный логин или пароль', [], 401);
    if (conn.status === 'paused') return failure('the 1C connection is paused in Ordo / обмен приостановлен в Ordo');
    const session = await openSession(deps.db, conn, type, now);
    return {
      ...text(`success\n${ONEC_SESSION_COOKIE}\n${session.token}`),
      cookie: { name: ONEC_SESSION_COOKIE, value: session.token },
    };
  }

  const auth = await authenticate(deps, req, type);
  if (!auth) return failure('not authorised: call mode=checkauth first / требуется авторизация', [], 401);
  const { conn, sessionId } = auth;
  if (conn.status === 'paused') return failure('the 1C connection is paused in Ordo / обмен приостановлен в Ordo');
  if (conn.settingsError) return failure(`the 1C connection's settings in Ordo are not valid: ${conn.settingsError}`);
  const store = scope(deps.db, conn.tenantId);

  switch (mode) {
    case 'init': {
      if (type === 'catalog') await clearSessionFiles(store, sessionId);
      const lines = ['zip=no', `file_limit=${conn.settings.fileLimit}`];
      if (type === 'sale') lines.push(`sessid=${sessionId}`, `version=${conn.settings.schemaVersion}`);
      return text(lines.join('\n'));
    }
    case 'file': {
      const filename = req.filename ?? '';
      const unsafe = unsafeFileName(filename);
      if (unsafe) return failure(`filename refused: ${unsafe}`);
      if (req.body.length > conn.settings.fileLimit)
        return failure(`the chunk is ${req.body.length} bytes; file_limit is ${conn.settings.fileLimit}`);
      if (!/\.xml$/i.test(filename)) {
        // pictures (import_files/…) are accepted and not kept: Ordo holds no product images
        return text('success');
      }
      const stored = await appendChunk(store, sessionId, filename, req.body, now);
      if (type === 'sale') {
        const file = await loadFile(store, sessionId, filename);
        if (file && looksComplete(file.data)) return importSale(deps, store, conn, sessionId, filename, file.data);
      }
      return text(`success\n${stored.bytes} bytes in ${stored.chunks} chunk${stored.chunks === 1 ? '' : 's'}`);
    }
    case 'import': {
      const filename = req.filename ?? '';
      const unsafe = unsafeFileName(filename);
      if (unsafe) return failure(`filename refused: ${unsafe}`);
      const file = await loadFile(store, sessionId, filename);
      if (!file) {
        if (!/\.xml$/i.test(filename)) return text('success');
        return failure(`${filename} was not uploaded in this exchange session (mode=file first)`);
      }
      if (file.outcome) return text(file.outcome);
      return type === 'catalog'
        ? importCatalogFile(deps, store, conn, sessionId, filename, file.data)
        : importSale(deps, store, conn, sessionId, filename, file.data);
    }
    case 'query': {
      if (type !== 'sale') return failure('mode=query belongs to type=sale');
      const answer = await queryOrders(store, conn, now);
      return {
        status: 200,
        contentType: `application/xml; charset=${conn.settings.encoding}`,
        body: answer.body,
      };
    }
    case 'success': {
      if (type !== 'sale') return text('success');
      await confirmOrders(store, conn, now);
      return text('success');
    }
    case 'deactivate':
    case 'complete':
      // newer 1C ends a catalogue exchange with these; nothing is left to do
      return text('success');
  }
  return failure(`mode ${String(mode)} is not supported`);
}

function readFailure<T>(read: Extract<CmlRead<T>, { ok: false }>, filename: string) {
  const stage =
    read.stage === 'xml'
      ? 'is not well-formed XML'
      : read.stage === 'schema'
        ? `fails CommerceML ${read.schema?.schema ?? ''} schema`
        : 'is not a CommerceML document Ordo can read';
  return `${filename} ${stage} / файл не прошёл проверку; nothing applied`;
}

function fileFacts(filename: string, data: Buffer, read: CmlRead<unknown>) {
  return {
    filename,
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    encoding: read.encoding,
    schema: read.schema
      ? { check: read.schema.check, declaredVersion: read.schema.declaredVersion, note: read.schema.note }
      : null,
  };
}

async function importCatalogFile(
  deps: ExchangeDeps,
  store: TenantScope,
  conn: OneCConnection,
  sessionId: string,
  filename: string,
  data: Buffer,
): Promise<ExchangeReply> {
  const now = deps.clock.now();
  const read = readCatalogFile(data, conn.settings.schemaCheck);
  const eventType = /offers|prices|rests/i.test(filename) ? 'catalog.offers' : 'catalog.import';
  if (!read.ok) {
    const reason = readFailure(read, filename);
    const problems = read.problems.map(describeProblem);
    await logExchange(store, now, {
      connectionId: conn.id,
      via: 'webhook',
      eventType,
      externalId: filename,
      status: 'failed',
      reason: `${reason}: ${problems.slice(0, 5).join('; ')}`,
      payload: { ...fileFacts(filename, data, read), stage: read.stage, problems: read.problems.slice(0, 200) },
    });
    const answer = failure(reason, problems).body as string;
    await markImported(store, sessionId, filename, answer, now);
    return text(answer);
  }
  const ingestionId = newId();
  let report: Awaited<ReturnType<typeof importCatalog>>;
  try {
    report = await importCatalog(
      store,
      conn,
      oneCActor(conn.channelCode),
      now,
      read.file,
      ingestionId,
      deps.priceLists,
    );
  } catch (error) {
    // refused as a whole (nothing applied: one transaction): a protocol failure, logged
    if (!(error instanceof AppError)) throw error;
    const reason = `${filename} was not applied: ${error.message}`;
    await logExchange(store, now, {
      connectionId: conn.id,
      via: 'webhook',
      eventType,
      externalId: filename,
      status: 'failed',
      reason,
      payload: { ...fileFacts(filename, data, read), errors: error.errors.slice(0, 100) },
    });
    const answer = failure(
      reason,
      error.errors.map((e) => `${e.path}: ${e.message}`),
    ).body as string;
    await markImported(store, sessionId, filename, answer, now);
    return text(answer);
  }
  const applied =
    report.products.created +
    report.products.updated +
    report.products.deactivated +
    report.stock.applied +
    report.priceLists.length;
  const summary = [
    `products: ${report.products.created} created, ${report.products.updated} updated, ${report.products.unchanged} unchanged`,
    `offers: ${report.offers}`,
    `price lists: ${report.priceLists.map((l) => `${l.code} (${l.entries})`).join(', ') || 'none'}`,
    `stock: ${report.stock.applied} set, ${report.stock.unchanged} unchanged, ${report.stock.rejected} refused`,
    ...(report.stock.skippedWarehouses.length
      ? [`unmapped warehouses skipped: ${report.stock.skippedWarehouses.length}`]
      : []),
    ...(report.problems.length ? [`${report.problems.length} elements not applied`] : []),
  ].join('; ');
  await logExchange(store, now, {
    connectionId: conn.id,
    via: 'webhook',
    eventType,
    externalId: filename,
    status: report.problems.length && applied === 0 ? 'failed' : applied ? 'updated' : 'ignored',
    reason: summary,
    payload: { ...fileFacts(filename, data, read), report: { ...report, problems: report.problems.slice(0, 500) } },
  });
  const answer = report.problems.length ? `success\n${summary}` : 'success';
  await markImported(store, sessionId, filename, answer, now);
  return text(answer);
}

async function importSale(
  deps: ExchangeDeps,
  store: TenantScope,
  conn: OneCConnection,
  sessionId: string,
  filename: string,
  data: Buffer,
): Promise<ExchangeReply> {
  const now = deps.clock.now();
  const read = readOrdersFile(data, conn.settings.schemaCheck);
  if (!read.ok) {
    const reason = readFailure(read, filename);
    const problems = read.problems.map(describeProblem);
    await logExchange(store, now, {
      connectionId: conn.id,
      via: 'webhook',
      eventType: 'sale.file',
      externalId: filename,
      status: 'failed',
      reason: `${reason}: ${problems.slice(0, 5).join('; ')}`,
      payload: { ...fileFacts(filename, data, read), stage: read.stage, problems: read.problems.slice(0, 200) },
    });
    const answer = failure(reason, problems).body as string;
    await markImported(store, sessionId, filename, answer, now);
    return text(answer);
  }
  const outcomes = await importOrders(deps.processes, store, conn, oneCActor(conn.channelCode), now, read.file, {
    filename,
  });
  const failed = outcomes.filter((o) => o.status === 'failed');
  await logExchange(store, now, {
    connectionId: conn.id,
    via: 'webhook',
    eventType: 'sale.file',
    externalId: filename,
    status: failed.length === outcomes.length && outcomes.length ? 'failed' : outcomes.length ? 'updated' : 'ignored',
    reason: `${outcomes.length} documents: ${outcomes.length - failed.length} applied, ${failed.length} failed`,
    payload: { ...fileFacts(filename, data, read), documents: outcomes },
  });
  // the documents Ordo could not apply are in its log; 1C goes on with the exchange
  const answer = failed.length
    ? `success\n${failed.length} of ${outcomes.length} documents not applied: ${failed
        .slice(0, 5)
        .map((f) => `${f.document}: ${f.reason}`)
        .join('; ')}`
    : 'success';
  await markImported(store, sessionId, filename, answer, now);
  return text(answer);
}
