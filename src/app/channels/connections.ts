import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { openSecret, sealSecret } from '../../shared/secret-box.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import type { ChannelConnection, ChannelConnector } from '../../integrations/channels/types.js';
import type { ChannelServices } from './services.js';
import type { connectionInput, connectionPatch, offersInput } from './schemas.js';
import { scheduleTimer } from '../events/timers.js';
import type { ChannelConnectionsTable } from '../../store/schema-channels.js';
import type { Selectable } from 'kysely';
import '../../store/schema-channels.js';

export const CHANNEL_POLL_JOB = 'channel.poll';
export const CHANNEL_OUTBOUND_JOB = 'channel.outbound';
export const CHANNEL_STOCK_JOB = 'channel.stock';

type Row = Selectable<ChannelConnectionsTable>;

export function connectorOf(services: ChannelServices, kind: string): ChannelConnector {
  const connector = services.connectors.get(kind);
  if (!connector)
    throw new AppError('VALIDATION_FAILED', `no connector for ${kind} in this installation`, [
      { path: '/kind', message: 'unknown channel kind' },
    ]);
  return connector;
}

function checkCredentials(connector: ChannelConnector, credentials: Record<string, string>) {
  const missing = connector.requiredCredentials.filter((key) => !credentials[key]);
  if (missing.length)
    throw new AppError(
      'VALIDATION_FAILED',
      `${connector.kind} needs ${missing.join(', ')}`,
      missing.map((key) => ({ path: `/credentials/${key}`, message: 'required' })),
    );
}

/** What the API shows of a connection: never the credentials, only their names. */
export function connectionView(row: Row & { channel_code: string }, services: ChannelServices) {
  const credentials = openSecret(services.secretKey, row.credentials);
  return {
    id: row.id,
    channel: row.channel_code,
    kind: row.kind,
    status: row.status,
    baseUrl: row.base_url,
    credentialNames: credentials ? Object.keys(JSON.parse(credentials) as object).sort() : [],
    credentialsReadable: credentials !== null,
    settings: row.settings,
    mappings: row.mappings as Record<string, unknown>,
    webhookPath: `/api/v1/channel-webhooks/${row.webhook_token}`,
    pollEverySeconds: row.poll_every_s,
    lastPolledAt: row.last_polled_at ? new Date(row.last_polled_at).toISOString() : null,
    stockSyncedAt: row.stock_synced_at ? new Date(row.stock_synced_at).toISOString() : null,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at ? new Date(row.last_error_at).toISOString() : null,
    failures: row.failures,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function selectConnections(store: TenantScope) {
  return store
    .selectFrom('channel_connections')
    .innerJoin('channels', (j) =>
      j
        .onRef('channels.tenant_id', '=', 'channel_connections.tenant_id')
        .onRef('channels.id', '=', 'channel_connections.channel_id'),
    )
    .selectAll('channel_connections')
    .select('channels.code as channel_code');
}

export async function listConnections(store: TenantScope, services: ChannelServices) {
  const rows = await selectConnections(store).orderBy('channels.code').execute();
  return rows.map((row) => connectionView(row, services));
}

export async function getConnectionRow(store: TenantScope, id: string) {
  const row = await selectConnections(store).where('channel_connections.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `channel connection ${id} not found`);
  return row;
}

/** The connection as its connector sees it: credentials opened. */
export function asConnection(row: Row & { channel_code: string }, services: ChannelServices): ChannelConnection {
  const plain = openSecret(services.secretKey, row.credentials);
  if (plain === null)
    throw new AppError(
      'CONFLICT',
      'the stored credentials cannot be opened with this installation key (ORDO_SECRETS_KEY changed?): enter them again',
    );
  const connector = connectorOf(services, row.kind);
  return {
    id: row.id,
    code: row.channel_code,
    kind: connector.kind,
    baseUrl: row.base_url,
    credentials: JSON.parse(plain) as Record<string, string>,
    settings: row.settings,
  };
}

export async function createConnection(
  store: TenantScope,
  services: ChannelServices,
  actor: Actor,
  now: Date,
  input: z.infer<typeof connectionInput>,
) {
  const connector = connectorOf(services, input.kind);
  checkCredentials(connector, input.credentials);
  return atomically(store, async (tx) => {
    let channel = await tx.selectFrom('channels').select(['id']).where('code', '=', input.channel).executeTakeFirst();
    if (!channel) {
      channel = { id: newId() };
      await tx
        .insertInto('channels', {
          id: channel.id,
          code: input.channel,
          name: input.name ?? input.channel,
          kind: 'marketplace',
          process_key: null,
          price_list: null,
          currency: null,
          settings: JSON.stringify({}),
        })
        .execute();
    }
    const taken = await tx
      .selectFrom('channel_connections')
      .select('id')
      .where('channel_id', '=', channel.id)
      .executeTakeFirst();
    if (taken)
      throw new AppError('ALREADY_EXISTS', `channel ${input.channel} is connected already`, [
        { path: '/channel', message: 'already connected' },
      ]);
    const id = newId();
    await tx
      .insertInto('channel_connections', {
        id,
        channel_id: channel.id,
        kind: input.kind,
        base_url: input.baseUrl ?? connector.defaultBaseUrl,
        credentials: sealSecret(services.secretKey, JSON.stringify(input.credentials)),
        settings: JSON.stringify(input.settings ?? {}),
        mappings: JSON.stringify(input.mappings ?? {}),
        webhook_token: randomBytes(24).toString('base64url'),
        ...(input.pollEverySeconds ? { poll_every_s: input.pollEverySeconds } : {}),
        poll_cursor: null,
        last_polled_at: null,
        stock_synced_at: null,
        last_error: null,
        last_error_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await startJobs(tx, id, connector, now);
    await writeAudit(tx, actor, now, {
      entity: 'channel_connection',
      entityId: id,
      action: 'created',
      changes: { channel: input.channel, kind: input.kind, credentials: Object.keys(input.credentials).sort() },
    });
    return connectionView(await getConnectionRow(tx, id), services);
  });
}

/** The connection's polling, outbound and stock chains; each job reschedules itself. */
async function startJobs(tx: TenantScope, id: string, connector: ChannelConnector, now: Date) {
  if (connector.poll)
    await scheduleTimer(tx, { kind: CHANNEL_POLL_JOB, key: `channel-poll:${id}`, runAt: now, payload: { id } });
  await scheduleTimer(tx, { kind: CHANNEL_OUTBOUND_JOB, key: `channel-out:${id}`, runAt: now, payload: { id } });
  if (connector.pushStock)
    await scheduleTimer(tx, { kind: CHANNEL_STOCK_JOB, key: `channel-stock:${id}`, runAt: now, payload: { id } });
}

export async function updateConnection(
  store: TenantScope,
  services: ChannelServices,
  actor: Actor,
  now: Date,
  id: string,
  patch: z.infer<typeof connectionPatch>,
) {
  return atomically(store, async (tx) => {
    const row = await getConnectionRow(tx, id);
    const connector = connectorOf(services, row.kind);
    if (patch.credentials) checkCredentials(connector, patch.credentials);
    await tx
      .updateTable('channel_connections')
      .set({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.baseUrl ? { base_url: patch.baseUrl } : {}),
        ...(patch.credentials
          ? { credentials: sealSecret(services.secretKey, JSON.stringify(patch.credentials)) }
          : {}),
        ...(patch.settings ? { settings: JSON.stringify(patch.settings) } : {}),
        ...(patch.mappings ? { mappings: JSON.stringify(patch.mappings) } : {}),
        ...(patch.pollEverySeconds ? { poll_every_s: patch.pollEverySeconds } : {}),
        ...(patch.status === 'active' ? { failures: 0 } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    // resuming restarts the chains at once (a paused connection's jobs ended)
    if (patch.status === 'active' && row.status === 'paused') await startJobs(tx, id, connector, now);
    await writeAudit(tx, actor, now, {
      entity: 'channel_connection',
      entityId: id,
      action: patch.status === 'paused' ? 'paused' : patch.status === 'active' ? 'resumed' : 'changed',
      changes: { ...patch, ...(patch.credentials ? { credentials: Object.keys(patch.credentials).sort() } : {}) },
    });
    return connectionView(await getConnectionRow(tx, id), services);
  });
}

/** Upserts offer → SKU mappings; each SKU must exist (the rows at fault are named). */
export async function setOffers(store: TenantScope, id: string, now: Date, input: z.infer<typeof offersInput>) {
  await getConnectionRow(store, id);
  const skus = [...new Set(input.offers.map((offer) => offer.sku))];
  const known = new Set(
    (await store.selectFrom('products').select('sku').where('sku', 'in', skus).execute()).map((row) => row.sku),
  );
  const unknown = input.offers.flatMap((offer, index) =>
    known.has(offer.sku)
      ? []
      : [{ path: `/offers/${index}/sku`, message: `unknown SKU ${offer.sku}`, code: 'UNKNOWN_SKU' }],
  );
  if (unknown.length) throw new AppError('UNKNOWN_SKU', 'some SKUs do not exist', unknown.slice(0, 100));
  return atomically(store, async (tx) => {
    for (let start = 0; start < input.offers.length; start += 500) {
      await tx
        .insertInto(
          'channel_offers',
          input.offers.slice(start, start + 500).map((offer) => ({
            connection_id: id,
            offer_id: offer.offerId,
            sku: offer.sku,
            pushed_quantity: null,
            pushed_at: null,
            push_error: null,
            updated_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'connection_id', 'offer_id']).doUpdateSet((eb) => ({
            sku: eb.ref('excluded.sku'),
            // a new SKU behind the offer is pushed again
            pushed_quantity: null,
            updated_at: now,
          })),
        )
        .execute();
    }
    return { saved: input.offers.length };
  });
}

export async function listOffers(store: TenantScope, id: string, limit: number) {
  await getConnectionRow(store, id);
  const rows = await store
    .selectFrom('channel_offers')
    .select(['offer_id', 'sku', 'pushed_quantity', 'pushed_at', 'push_error', 'updated_at'])
    .where('connection_id', '=', id)
    .orderBy('offer_id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    offerId: row.offer_id,
    sku: row.sku,
    pushedQuantity: row.pushed_quantity,
    pushedAt: row.pushed_at ? new Date(row.pushed_at).toISOString() : null,
    pushError: row.push_error,
    updatedAt: new Date(row.updated_at).toISOString(),
  }));
}

/** "Test connection": the connector's cheapest authenticated call; the outcome is an answer, not an error. */
export async function testConnection(store: TenantScope, services: ChannelServices, id: string) {
  const row = await getConnectionRow(store, id);
  const connector = connectorOf(services, row.kind);
  const result = await connector.testConnection(asConnection(row, services), services.http);
  return result.ok
    ? { ok: true, detail: result.value.detail }
    : {
        ok: false,
        code: result.error.code,
        detail: result.error.message,
        channelMessages: result.error.channelMessages,
      };
}
