import { AppError } from '../../shared/errors.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { EdiDirection } from '../../store/schema-edi.js';
import '../../store/schema-edi.js';

export interface MessageQuery {
  direction?: EdiDirection | undefined;
  partnerId?: string | undefined;
  orderId?: string | undefined;
  type?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The EDI log, newest first: what was received (with outcome and problems) and what was made to send. */
export async function listEdiMessages(store: TenantScope, query: MessageQuery) {
  const after = decodeCursor(query.cursor);
  let select = store
    .selectFrom('edi_messages')
    .select([
      'id',
      'partner_id',
      'direction',
      'syntax',
      'message_type',
      'control_ref',
      'sender_id',
      'recipient_id',
      'document_number',
      'status',
      'problems',
      'order_id',
      'related_id',
      'attempts',
      'last_error',
      'delivered_at',
      'created_at',
    ])
    .orderBy('id', 'desc')
    .limit(query.limit + 1);
  if (query.direction) select = select.where('direction', '=', query.direction);
  if (query.partnerId) select = select.where('partner_id', '=', query.partnerId);
  if (query.orderId) select = select.where('order_id', '=', query.orderId);
  if (query.type) select = select.where('message_type', '=', query.type);
  if (after) select = select.where('id', '<', after);
  const rows = await select.execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((row) => ({
      id: row.id,
      partnerId: row.partner_id,
      direction: row.direction,
      syntax: row.syntax,
      type: row.message_type,
      controlRef: row.control_ref,
      sender: row.sender_id,
      recipient: row.recipient_id,
      documentNumber: row.document_number,
      status: row.status,
      problems: row.problems,
      orderId: row.order_id,
      relatedId: row.related_id,
      attempts: row.attempts,
      lastError: row.last_error,
      deliveredAt: row.delivered_at ? new Date(row.delivered_at).toISOString() : null,
      createdAt: new Date(row.created_at).toISOString(),
    })),
    nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}

/** One message's content exactly as received or sent, with its media type. */
export async function ediMessageContent(store: TenantScope, id: string) {
  const row = await store
    .selectFrom('edi_messages')
    .select(['content', 'syntax', 'message_type', 'control_ref'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `EDI message ${id} not found`);
  return {
    contentType: row.syntax === 'ubl' ? 'application/xml; charset=utf-8' : 'application/EDIFACT; charset=utf-8',
    fileName: `${row.message_type}-${row.control_ref}.${row.syntax === 'ubl' ? 'xml' : 'edi'}`,
    content: row.content,
  };
}
