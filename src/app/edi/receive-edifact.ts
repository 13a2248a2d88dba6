import { newId } from '../../shared/ids.js';
import { transaction, type TenantScope } from '../../store/tenant-scope.js';
import type { StoredEdiProblem, EdiStatus } from '../../store/schema-edi.js';
import { parseInterchange, type EdiProblem, type Interchange } from '../../integrations/edi/edifact.js';
import { contrlBody, writeInterchange } from '../../integrations/edi/edifact-write.js';
import { readOrders } from '../../integrations/edi/edifact-orders.js';
import { ingestEdiOrder, type EdiDeps } from './ingest-order.js';
import { listPartners, nextControlRef, partnerBySender } from './partners.js';
import { edifactLocate } from './problems.js';
import { claimInterchange, type ReceivedMessageReport, type ReceiveReport } from './received-interchanges.js';
import '../../store/schema-edi.js';

const stored = (p: EdiProblem): StoredEdiProblem => ({ ...p });

/**
 * An EDIFACT interchange: claimed once, its sender checked against the partners, each ORDERS
 * message ingested, and a CONTRL written back in the partner's syntax.
 */
export async function receiveEdifact(deps: EdiDeps, store: TenantScope, text: string): Promise<ReceiveReport> {
  const interchange: Interchange = parseInterchange(text);
  const partners = await listPartners(store);
  const partner = partnerBySender(partners, interchange.sender.id, interchange.sender.qualifier);
  const id = newId();
  return transaction(store, async (tx) => {
    const now = deps.clock.now();
    const fresh = await claimInterchange(tx, {
      id,
      partnerId: partner?.id ?? null,
      syntax: 'edifact',
      type: 'INTERCHANGE',
      controlRef: interchange.controlRef,
      sender: [interchange.sender.id, interchange.sender.qualifier].filter(Boolean).join(':'),
      recipient: [interchange.recipient.id, interchange.recipient.qualifier].filter(Boolean).join(':'),
      content: text,
      now,
    });
    const envelope = interchange.problems.filter((p) => !p.messageRef).map(stored);
    let interchangeError: EdiProblem | undefined;
    if (!fresh)
      interchangeError = {
        code: '26',
        message: `interchange ${interchange.controlRef} from ${interchange.sender.id} was received before: nothing created`,
        segment: 'UNB',
        element: 5,
      };
    else if (!partner)
      interchangeError = {
        code: '23',
        message: `interchange sender ${interchange.sender.id}${interchange.sender.qualifier ? `:${interchange.sender.qualifier}` : ''} is not an EDI partner of this tenant`,
        segment: 'UNB',
        element: 2,
      };
    else if (partner.status === 'paused')
      interchangeError = { code: '17', message: `EDI partner ${partner.settings.name} is paused`, segment: 'UNB' };
    else if (partner.settings.interchange && interchange.recipient.id !== partner.settings.interchange.ourId)
      interchangeError = {
        code: '7',
        message: `interchange recipient ${interchange.recipient.id} is not us (${partner.settings.interchange.ourId})`,
        segment: 'UNB',
        element: 3,
      };
    const messages: ReceivedMessageReport[] = [];
    const messageProblems: StoredEdiProblem[] = [];
    if (!interchangeError && !envelope.length && partner) {
      for (const message of interchange.messages) {
        const syntaxProblems = interchange.problems.filter((p) => p.messageRef === message.ref).map(stored);
        if (message.type !== 'ORDERS') {
          const problem: StoredEdiProblem = {
            code: '31',
            message: `${message.type} is not a message Ordo receives (ORDERS)`,
            messageRef: message.ref,
            segment: 'UNH',
            position: 1,
            element: 2,
            component: 1,
          };
          messages.push({
            ref: message.ref,
            type: message.type,
            orderNumber: null,
            outcome: 'rejected',
            orderId: null,
            problems: [problem],
          });
          messageProblems.push(problem);
          continue;
        }
        const read = readOrders(message);
        const result = await ingestEdiOrder(deps, tx, partner, {
          dedupeKey: `edifact:${interchange.sender.id}:${interchange.controlRef}:${message.ref}`,
          interchangeId: id,
          order: read.order,
          raw: message.text,
          syntaxProblems: [...syntaxProblems, ...read.problems.map(stored)],
          locate: edifactLocate(message, read.order),
        });
        messages.push({
          ref: message.ref,
          type: message.type,
          orderNumber: read.order.orderNumber || null,
          ...result,
        });
        messageProblems.push(...result.problems);
      }
    }
    // messages not read (the envelope or the sender refused) still name their syntax problems
    const processed = !interchangeError && !envelope.length && partner !== undefined;
    const messageLevel = processed
      ? messageProblems
      : interchange.problems.filter((p) => p.messageRef !== undefined).map(stored);
    const problems = [...(interchangeError ? [stored(interchangeError)] : []), ...envelope, ...messageLevel];
    const created = messages.filter((m) => m.outcome === 'created');
    const status: EdiStatus = !fresh
      ? 'duplicate'
      : created.length === 0
        ? 'rejected'
        : created.length === messages.length
          ? 'accepted'
          : 'partial';
    // the acknowledgement: our next control reference for a known partner
    const ackRef = partner ? await nextControlRef(tx, partner.id) : id.replaceAll('-', '').slice(-14);
    const contrl = writeInterchange({
      // the partner's syntax for what we send (UNOY: UTF-8, syntax version 4)
      syntax: {
        id: partner?.settings.interchange?.syntax ?? 'UNOC',
        version: partner?.settings.interchange?.syntax === 'UNOY' ? '4' : '3',
      },
      sender: {
        id: partner?.settings.interchange?.ourId ?? interchange.recipient.id,
        qualifier: partner?.settings.interchange?.ourQualifier ?? interchange.recipient.qualifier,
      },
      recipient: { id: interchange.sender.id, qualifier: interchange.sender.qualifier },
      at: now,
      controlRef: ackRef,
      messages: [
        {
          ref: '1',
          type: ['CONTRL', 'D', '3', 'UN'],
          body: contrlBody(interchange, {
            ...(interchangeError ? { interchangeError } : {}),
            problems: [...envelope, ...messageLevel] as EdiProblem[],
          }),
        },
      ],
    });
    const ackId = newId();
    await tx
      .insertInto('edi_messages', {
        id: ackId,
        partner_id: partner?.id ?? null,
        direction: 'out',
        syntax: 'edifact',
        message_type: 'CONTRL',
        control_ref: ackRef,
        sender_id: partner?.settings.interchange?.ourId ?? interchange.recipient.id,
        recipient_id: interchange.sender.id,
        document_number: interchange.controlRef,
        status: 'generated',
        problems: '[]',
        order_id: null,
        related_id: id,
        event_id: null,
        content: contrl,
        last_error: null,
        delivered_at: null,
        created_at: now,
      })
      .execute();
    await tx
      .updateTable('edi_messages')
      .set({
        status,
        problems: JSON.stringify(problems),
        order_id: created.length === 1 ? created[0]!.orderId : null,
        document_number:
          messages
            .map((m) => m.orderNumber)
            .filter(Boolean)
            .join(', ')
            .slice(0, 500) || null,
      })
      .where('id', '=', id)
      .execute();
    return {
      id,
      syntax: 'edifact' as const,
      status,
      partnerId: partner?.id ?? null,
      sender: interchange.sender.id,
      controlRef: interchange.controlRef,
      messages,
      problems,
      acknowledgement: { id: ackId, type: 'CONTRL', content: contrl },
    };
  });
}
