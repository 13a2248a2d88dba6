import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { isValidFilter } from '../../domain/events/catalogue.js';
import { isWebhookSecret, newWebhookSecret } from '../../integrations/webhooks/signature.js';
import { refuseUrl, type UrlPolicy } from '../../integrations/webhooks/url-policy.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import type { WebhookSubscriptionsTable } from '../../store/schema-events.js';
import type { Selectable } from 'kysely';

export interface SubscriptionInput {
  url: string;
  eventTypes: string[];
  description?: string | undefined;
  /** A `whsec_…` secret of the caller's choosing; generated when absent. */
  secret?: string | undefined;
}

type Row = Selectable<WebhookSubscriptionsTable>;

export function subscriptionView(result: Row, withSecret = false) {
  return {
    id: result.id,
    url: result.url,
    description: result.description,
    eventTypes: result.event_types,
    status: result.status,
    pausedReason: result.paused_reason,
    version: result.version,
    previousSecretValidUntil: result.previous_secret_until
      ? new Date(result.previous_secret_until).toISOString()
      : null,
    createdAt: new Date(result.created_at).toISOString(),
    updatedAt: new Date(result.updated_at).toISOString(),
    ...(withSecret ? { secret: result.secret } : {}),
  };
}

function check(input: Partial<SubscriptionInput>, policy: UrlPolicy, requestHost?: string) {
  if (input.url !== undefined) {
    const why = refuseUrl(input.url, policy, requestHost);
    if (why) throw new AppError('WEBHOOK_URL_REFUSED', why, [{ path: '/url', message: why }]);
  }
  const bad = (input.eventTypes ?? []).map((t, i) => ({ t, i })).filter(({ t }) => !isValidFilter(t));
  if (bad.length) {
    throw new AppError(
      'UNKNOWN_EVENT_TYPE',
      `unknown event type(s): ${bad.map((b) => b.t).join(', ')}; see GET /api/v1/events/catalogue`,
      bad.map(({ i, t }) => ({ path: `/eventTypes/${i}`, message: `unknown event type ${t}` })),
    );
  }
  if (input.secret !== undefined && !isWebhookSecret(input.secret)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'the secret must be whsec_ followed by 24 to 64 base64-encoded random bytes',
      [{ path: '/secret', message: 'not a whsec_ secret' }],
    );
  }
}

export async function createSubscription(
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  policy: UrlPolicy,
  input: SubscriptionInput,
  requestHost?: string,
) {
  check(input, policy, requestHost);
  const now = clock.now();
  const id = newId();
  await scope
    .insertInto('webhook_subscriptions', {
      id,
      url: input.url,
      description: input.description ?? null,
      event_types: [...new Set(input.eventTypes)],
      secret: input.secret ?? newWebhookSecret(),
      previous_secret: null,
      previous_secret_until: null,
      paused_reason: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await writeAudit(scope, actor, now, {
    entity: 'webhook_subscription',
    entityId: id,
    action: 'created',
    changes: { url: input.url, eventTypes: input.eventTypes },
  });
  return subscriptionView(await load(scope, id), true);
}

async function load(scope: TenantScope, id: string, forUpdate = false): Promise<Row> {
  let query = scope.selectFrom('webhook_subscriptions').selectAll().where('id', '=', id);
  if (forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `webhook subscription ${id} not found`);
  return row;
}

export async function getSubscription(scope: TenantScope, id: string) {
  return subscriptionView(await load(scope, id));
}

export async function listSubscriptions(scope: TenantScope) {
  const rows = await scope.selectFrom('webhook_subscriptions').selectAll().orderBy('id').execute();
  return rows.map((r) => subscriptionView(r));
}

/** Changes URL, types or description; If-Match (version) guards against lost updates. */
export async function updateSubscription(
  store: TenantScope,
  actor: Actor,
  clock: Clock,
  policy: UrlPolicy,
  id: string,
  patch: Partial<Omit<SubscriptionInput, 'secret'>>,
  ifMatch: number | null,
  requestHost?: string,
) {
  // One unit of work: the row lock it reads under and its writes commit together.
  return atomically(store, async (work) => {
    check(patch, policy, requestHost);
    const row = await load(work, id, true);
    if (ifMatch !== null && ifMatch !== row.version) {
      throw new AppError('VERSION_MISMATCH', `subscription is at version ${row.version}, not ${ifMatch}`, [], {
        currentVersion: row.version,
      });
    }
    const now = clock.now();
    await work
      .updateTable('webhook_subscriptions')
      .set({
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.eventTypes !== undefined ? { event_types: [...new Set(patch.eventTypes)] } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        version: row.version + 1,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    await writeAudit(work, actor, now, {
      entity: 'webhook_subscription',
      entityId: id,
      action: 'updated',
      changes: { ...patch },
    });
    return subscriptionView(await load(work, id));
  });
}

/** Deleting drops the subscription's pending deliveries with it; the events stay. */
export async function deleteSubscription(store: TenantScope, actor: Actor, clock: Clock, id: string) {
  // One unit of work: the row lock it reads under and its writes commit together.
  return atomically(store, async (work) => {
    await load(work, id, true);
    await work.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
    await writeAudit(work, actor, clock.now(), { entity: 'webhook_subscription', entityId: id, action: 'deleted' });
  });
}

/** A paused endpoint keeps collecting deliveries; they go out in order on resume. */
export async function setSubscriptionPaused(
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  id: string,
  paused: boolean,
  reason?: string,
) {
  const row = await load(scope, id, true);
  const now = clock.now();
  await scope
    .updateTable('webhook_subscriptions')
    .set({
      status: paused ? 'paused' : 'active',
      paused_reason: paused ? (reason ?? 'paused by a user') : null,
      version: row.version + 1,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  if (!paused) {
    // Retries that waited through the pause may go at once.
    await scope
      .updateTable('event_deliveries')
      .set({ next_attempt_at: now })
      .where('subscription_id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '>', now)
      .execute();
  }
  await writeAudit(scope, actor, now, {
    entity: 'webhook_subscription',
    entityId: id,
    action: paused ? 'paused' : 'resumed',
  });
  return subscriptionView(await load(scope, id));
}

/**
 * Issues a new secret; the old one keeps signing (a second signature in the header) until
 * `overlapSeconds` have passed, so receivers can switch without dropping a delivery.
 */
export async function rotateSubscriptionSecret(
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  id: string,
  overlapSeconds: number,
  secret?: string,
) {
  if (secret !== undefined) check({ secret }, { allowPrivate: true, selfHosts: [] });
  const row = await load(scope, id, true);
  const now = clock.now();
  await scope
    .updateTable('webhook_subscriptions')
    .set({
      secret: secret ?? newWebhookSecret(),
      previous_secret: row.secret,
      previous_secret_until: new Date(now.getTime() + overlapSeconds * 1000),
      version: row.version + 1,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  await writeAudit(scope, actor, now, {
    entity: 'webhook_subscription',
    entityId: id,
    action: 'secret_rotated',
    changes: { overlapSeconds },
  });
  return subscriptionView(await load(scope, id), true);
}

/** Secrets that sign a delivery now: the current one, plus the previous one inside its overlap. */
export function signingSecrets(
  result: Pick<Row, 'secret' | 'previous_secret' | 'previous_secret_until'>,
  now: Date,
): string[] {
  const prev =
    result.previous_secret && result.previous_secret_until && new Date(result.previous_secret_until) > now
      ? [result.previous_secret]
      : [];
  return [result.secret, ...prev];
}
