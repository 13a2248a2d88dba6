import { AppError } from '../../shared/errors.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { NotificationState, NotificationsTable } from '../../store/schema-notifications.js';
import type { Selectable } from 'kysely';

type Row = Selectable<NotificationsTable>;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function summary(result: Row) {
  return {
    id: result.id,
    orderId: result.order_id,
    template: result.template,
    language: result.language,
    channel: result.channel,
    to: result.recipient,
    subject: result.subject,
    source: result.source,
    state: result.state,
    attempts: result.attempts,
    lastResponse: result.last_response,
    createdAt: iso(result.created_at)!,
    sentAt: iso(result.sent_at),
  };
}

/** Notifications of the tenant, newest first, filtered by order and state; cursor paging by id. */
export async function listNotifications(
  tx: TenantScope,
  file: {
    orderId?: string | undefined;
    state?: NotificationState | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const after = decodeCursor(file.cursor);
  let query = tx
    .selectFrom('notifications')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(file.limit + 1);
  if (file.orderId) query = query.where('order_id', '=', file.orderId);
  if (file.state) query = query.where('state', '=', file.state);
  if (after) query = query.where('id', '<', after);
  const rows = await query.execute();
  const page = rows.slice(0, file.limit);
  return { items: page.map(summary), nextCursor: rows.length > file.limit ? encodeCursor(page.at(-1)!.id) : null };
}

/** One notification with the message as rendered (subject, text and HTML) and its delivery state. */
export async function getNotification(tx: TenantScope, id: string) {
  const row = await tx.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `notification ${id} not found`);
  return { ...summary(row), text: row.body_text, html: row.body_html };
}
