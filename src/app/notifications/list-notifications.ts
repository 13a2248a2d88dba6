import { AppError } from '../../shared/errors.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { NotificationState, NotificationsTable } from '../../store/schema-notifications.js';
import type { Selectable } from 'kysely';

type Row = Selectable<NotificationsTable>;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function summary(r: Row) {
  return {
    id: r.id, orderId: r.order_id, template: r.template, language: r.language, channel: r.channel, to: r.recipient,
    subject: r.subject, source: r.source, state: r.state, attempts: r.attempts, lastResponse: r.last_response,
    createdAt: iso(r.created_at)!, sentAt: iso(r.sent_at),
  };
}

/** Notifications of the tenant, newest first, filtered by order and state; cursor paging by id. */
export async function listNotifications(tx: TenantScope, f: { orderId?: string | undefined; state?: NotificationState | undefined; limit: number; cursor?: string | undefined }) {
  const after = decodeCursor(f.cursor);
  let q = tx.selectFrom('notifications').selectAll().orderBy('id', 'desc').limit(f.limit + 1);
  if (f.orderId) q = q.where('order_id', '=', f.orderId);
  if (f.state) q = q.where('state', '=', f.state);
  if (after) q = q.where('id', '<', after);
  const rows = await q.execute();
  const page = rows.slice(0, f.limit);
  return { items: page.map(summary), nextCursor: rows.length > f.limit ? encodeCursor(page.at(-1)!.id) : null };
}

/** One notification with the message as rendered (subject, text and HTML) and its delivery state. */
export async function getNotification(tx: TenantScope, id: string) {
  const r = await tx.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw new AppError('NOT_FOUND', `notification ${id} not found`);
  return { ...summary(r), text: r.body_text, html: r.body_html };
}
