/**
 * A 1C connection as the exchange sees it: the channel connection of kind `1c`, its settings
 * read once (zod, defaults), and how 1C is recognised: by the login and password it sends with
 * HTTP Basic (checked against the sealed credentials of every 1C connection, in constant time),
 * then by the session cookie Ordo handed out at checkauth.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../store/db.js';
import { scope, type TenantScope } from '../../store/tenant-scope.js';
import { openSecret } from '../../shared/secret-box.js';
import { newId } from '../../shared/ids.js';
import type { ChannelServices } from '../channels/services.js';
import type { ChannelMappings } from '../../store/schema-channels.js';
import type { Actor } from '../../store/history.js';
import '../../store/schema-channels.js';
import '../../store/schema-erp.js';

export const ONEC_SESSION_COOKIE = 'ordo_1c_session';
/** How long a checkauth session lasts (1C runs an exchange in minutes; big catalogues in tens). */
export const ONEC_SESSION_TTL_MS = 6 * 3_600_000;

export const oneCSettings = z.object({
  encoding: z.enum(['windows-1251', 'utf-8']).default('windows-1251'),
  schemaVersion: z.enum(['2.08', '2.10']).default('2.08'),
  xmlNamespace: z.boolean().default(false),
  schemaCheck: z.enum(['strict', 'structural']).default('strict'),
  defaultLocation: z.string().min(1).max(64).optional(),
  fileLimit: z
    .number()
    .int()
    .min(64 * 1024)
    .max(100 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  orderChannels: z.array(z.string().min(1)).optional(),
  /** Order types 1C pulls as "Заказ товара": not quotes (until accepted) nor return orders. */
  orderTypes: z.array(z.string().min(1)).min(1).default(['sale', 'service']),
  statusEvents: z.record(z.string(), z.string().min(1)).default({}),
  priceLists: z.record(z.string(), z.string().min(1)).default({}),
});
export type OneCSettings = z.infer<typeof oneCSettings>;

export interface OneCConnection {
  tenantId: string;
  id: string;
  channelId: string;
  channelCode: string;
  status: 'active' | 'paused';
  settings: OneCSettings;
  /** null when the stored settings do not read (the exchange answers failure with why). */
  settingsError: string | null;
  mappings: ChannelMappings;
}

export const oneCActor = (code: string): Actor => ({ type: 'system', id: null, name: `1c ${code}` });

const sha256 = (text: string) => createHash('sha256').update(text).digest();

function sameSecret(given: string, stored: string | undefined): boolean {
  return stored !== undefined && timingSafeEqual(sha256(given), sha256(stored));
}

/** HTTP Basic credentials; null when the header is absent or not Basic. */
export function basicCredentials(header: string | undefined): { login: string; password: string } | null {
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A 1C connection by id in the caller's tenant; null when it is not a 1C connection. */
export async function loadConnection(store: TenantScope, id: string): Promise<OneCConnection | null> {
  const row = await store
    .selectFrom('channel_connections')
    .innerJoin('channels', (j) =>
      j
        .onRef('channels.tenant_id', '=', 'channel_connections.tenant_id')
        .onRef('channels.id', '=', 'channel_connections.channel_id'),
    )
    .select([
      'channel_connections.id',
      'channel_connections.channel_id',
      'channel_connections.status',
      'channel_connections.settings',
      'channel_connections.mappings',
      'channels.code',
    ])
    .where('channel_connections.id', '=', id)
    .where('channel_connections.kind', '=', '1c')
    .executeTakeFirst();
  if (!row) return null;
  const parsed = oneCSettings.safeParse(row.settings ?? {});
  return {
    tenantId: store.tenantId,
    id: row.id,
    channelId: row.channel_id,
    channelCode: row.code,
    status: row.status,
    settings: parsed.success ? parsed.data : oneCSettings.parse({}),
    settingsError: parsed.success
      ? null
      : parsed.error.issues.map((issue) => `settings.${issue.path.join('.')}: ${issue.message}`).join('; '),
    mappings: (row.mappings ?? {}) as ChannelMappings,
  };
}

/** The 1C connection whose login and password these are (every tenant's 1C connections are checked). */
export async function connectionByLogin(
  db: Db,
  services: ChannelServices,
  login: string,
  password: string,
): Promise<OneCConnection | null> {
  const rows = await db
    .selectFrom('channel_connections')
    .select(['tenant_id', 'id', 'credentials'])
    .where('kind', '=', '1c')
    .orderBy('id')
    .execute();
  for (const row of rows) {
    const plain = openSecret(services.secretKey, row.credentials);
    if (plain === null) continue;
    const credentials = JSON.parse(plain) as Record<string, string>;
    // both compared every time: the answer takes as long for a wrong login as for a wrong password
    const loginOk = sameSecret(login, credentials.login);
    const passwordOk = sameSecret(password, credentials.password);
    if (loginOk && passwordOk) return loadConnection(scope(db, row.tenant_id), row.id);
  }
  return null;
}

/** Opens a session for 1C after checkauth; returns the cookie value (only its hash is stored). */
export async function openSession(
  db: Db,
  conn: OneCConnection,
  type: 'catalog' | 'sale',
  now: Date,
): Promise<{ id: string; token: string }> {
  const store = scope(db, conn.tenantId);
  await store
    .deleteFrom('erp_exchange_sessions')
    .where('connection_id', '=', conn.id)
    .where('expires_at', '<', now)
    .execute();
  const token = randomBytes(24).toString('base64url');
  const id = newId();
  await store
    .insertInto('erp_exchange_sessions', {
      id,
      connection_id: conn.id,
      token_hash: sha256(token).toString('hex'),
      exchange_type: type,
      created_at: now,
      expires_at: new Date(now.getTime() + ONEC_SESSION_TTL_MS),
    })
    .execute();
  return { id, token };
}

/** The session and connection behind a cookie value; null when unknown or expired. */
export async function sessionByToken(
  db: Db,
  token: string,
  now: Date,
): Promise<{ sessionId: string; conn: OneCConnection } | null> {
  const head = await db
    .selectFrom('erp_exchange_sessions')
    .select(['tenant_id', 'id', 'connection_id', 'expires_at'])
    .where('token_hash', '=', sha256(token).toString('hex'))
    .executeTakeFirst();
  if (!head || new Date(head.expires_at) < now) return null;
  const conn = await loadConnection(scope(db, head.tenant_id), head.connection_id);
  return conn ? { sessionId: head.id, conn } : null;
}

/** The newest live session of a connection (1C calling with Basic but without the cookie); opened when none. */
export async function currentSession(db: Db, conn: OneCConnection, type: 'catalog' | 'sale', now: Date) {
  const live = await scope(db, conn.tenantId)
    .selectFrom('erp_exchange_sessions')
    .select('id')
    .where('connection_id', '=', conn.id)
    .where('exchange_type', '=', type)
    .where('expires_at', '>', now)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return live ? live.id : (await openSession(db, conn, type, now)).id;
}
