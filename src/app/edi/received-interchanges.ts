import { sql } from 'kysely';
import type { Work } from '../../store/tenant-scope.js';
import type { StoredEdiProblem, EdiStatus } from '../../store/schema-edi.js';
import type { MessageOutcome } from './ingest-order.js';
import '../../store/schema-edi.js';

export interface ReceivedMessageReport {
  ref: string;
  type: string;
  orderNumber: string | null;
  outcome: MessageOutcome;
  orderId: string | null;
  problems: StoredEdiProblem[];
}

export interface ReceiveReport {
  id: string;
  syntax: 'edifact' | 'ubl';
  status: EdiStatus;
  partnerId: string | null;
  sender: string;
  controlRef: string;
  messages: ReceivedMessageReport[];
  problems: StoredEdiProblem[];
  acknowledgement: { id: string; type: string; content: string } | null;
}

/** Claims the interchange once per sender and control reference; false = seen before. */
export async function claimInterchange(
  tx: Work,
  row: {
    id: string;
    partnerId: string | null;
    syntax: 'edifact' | 'ubl';
    type: string;
    controlRef: string;
    sender: string;
    recipient: string;
    content: string;
    now: Date;
  },
) {
  // The interchange as received; a second delivery of the same control reference is stored beside
  // the first as a duplicate, so the partner's resend is on file with why it was not taken.
  const message = {
    id: row.id,
    partner_id: row.partnerId,
    direction: 'in' as const,
    syntax: row.syntax,
    message_type: row.type,
    control_ref: row.controlRef,
    sender_id: row.sender,
    recipient_id: row.recipient,
    document_number: null,
    order_id: null,
    related_id: null,
    event_id: null,
    content: row.content,
    last_error: null,
    delivered_at: null,
    created_at: row.now,
  };
  const inserted = await tx
    .insertInto('edi_messages', { ...message, status: 'rejected', problems: '[]' })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'syntax', 'sender_id', 'control_ref'])
        .where(sql<boolean>`direction = 'in' and status <> 'duplicate'`)
        .doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (inserted) return true;
  await tx
    .insertInto('edi_messages', {
      ...message,
      status: 'duplicate',
      problems: JSON.stringify([
        { code: '26', message: `interchange ${row.controlRef} from ${row.sender} was received before` },
      ]),
    })
    .execute();
  return false;
}
