import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { atomically, transaction, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { Actor } from '../../store/history.js';
import type { StoredEdiProblem, EdiStatus } from '../../store/schema-edi.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { createOrder } from '../orders/create-order.js';
import {
  contrlBody,
  decodeEdifact,
  looksLikeEdifact,
  parseInterchange,
  writeInterchange,
  type EdiMessage,
  type EdiProblem,
  type Interchange,
} from '../../integrations/edi/edifact.js';
import { readOrders } from '../../integrations/edi/edifact-orders.js';
import type { EdiOrder } from '../../integrations/edi/documents.js';
import { looksLikeUbl, readUblOrder } from '../../integrations/edi/ubl.js';
import { ediOrderInput, resolveSkus, type Locate } from './map-order.js';
import { listPartners, nextControlRef, partnerByEndpoint, partnerBySender, type Partner } from './partners.js';
import '../../store/schema-edi.js';
import '../../store/schema-channels.js';

export interface EdiDeps {
  processes: OrderProcesses;
  clock: Clock;
}

export type MessageOutcome = 'created' | 'failed' | 'rejected' | 'duplicate_order';

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

export function ediActor(partner: Partner | undefined): Actor {
  return { type: 'system', id: null, name: `edi ${partner?.settings.name ?? 'unknown partner'}` };
}

const where = (p: StoredEdiProblem) =>
  [
    p.messageRef ? `message ${p.messageRef}` : null,
    p.segment ? `${p.segment}${p.position !== undefined ? ` (segment ${p.position})` : ''}` : null,
    p.element !== undefined ? `element ${p.element}${p.component !== undefined ? `.${p.component}` : ''}` : null,
    p.rule ?? null,
    p.path ?? null,
  ]
    .filter(Boolean)
    .join(', ');

/** Problems as one line for the ingestion log's reason. */
export const describeProblems = (problems: StoredEdiProblem[]) =>
  problems.map((p) => `${where(p) ? `${where(p)}: ` : ''}${p.message}`).join('; ');

/** Problems as API field errors: the path names the segment and element (or the UBL path). */
export const problemErrors = (problems: StoredEdiProblem[]) =>
  problems.map((p) => ({
    path:
      p.path ??
      `/${[p.messageRef ?? 'interchange', p.segment ?? '', p.position ?? '', p.element ?? '', p.component ?? '']
        .filter((part) => part !== '')
        .join('/')}`,
    message: `${p.code ? `[${p.code}] ` : ''}${p.rule ? `${p.rule}: ` : ''}${p.message}`,
  }));

/** Claims the interchange once per sender and control reference; false = seen before. */
async function claim(
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
  const inserted = await tx
    .insertInto('edi_messages', {
      id: row.id,
      partner_id: row.partnerId,
      direction: 'in',
      syntax: row.syntax,
      message_type: row.type,
      control_ref: row.controlRef,
      sender_id: row.sender,
      recipient_id: row.recipient,
      document_number: null,
      status: 'rejected',
      problems: '[]',
      order_id: null,
      related_id: null,
      event_id: null,
      content: row.content,
      last_error: null,
      delivered_at: null,
      created_at: row.now,
    })
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
      id: row.id,
      partner_id: row.partnerId,
      direction: 'in',
      syntax: row.syntax,
      message_type: row.type,
      control_ref: row.controlRef,
      sender_id: row.sender,
      recipient_id: row.recipient,
      document_number: null,
      status: 'duplicate',
      problems: JSON.stringify([
        { code: '26', message: `interchange ${row.controlRef} from ${row.sender} was received before` },
      ]),
      order_id: null,
      related_id: null,
      event_id: null,
      content: row.content,
      last_error: null,
      delivered_at: null,
      created_at: row.now,
    })
    .execute();
  return false;
}

/**
 * One order message: mapped, then made through the normal intake under its own savepoint, and
 * recorded in the partner's channel ingestion log (created / failed / rejected). A failed one
 * (unknown SKU or GLN, no price) is replayable from the channels console once the set-up is fixed.
 */
export async function ingestEdiOrder(
  deps: EdiDeps,
  tx: Work,
  partner: Partner,
  input: {
    dedupeKey: string;
    interchangeId: string;
    order: EdiOrder;
    raw: string;
    syntaxProblems: StoredEdiProblem[];
    locate: Locate;
    replayOf?: string;
  },
): Promise<{ outcome: MessageOutcome; orderId: string | null; problems: StoredEdiProblem[] }> {
  const now = deps.clock.now();
  const payload = {
    edi: { interchangeId: input.interchangeId, order: input.order, syntax: partner.syntax },
    raw: input.raw,
  };
  let result: { outcome: MessageOutcome; orderId: string | null; problems: StoredEdiProblem[] };
  if (input.syntaxProblems.length) result = { outcome: 'rejected', orderId: null, problems: input.syntaxProblems };
  else result = await applyOrder(deps, tx, partner, input);
  const status =
    result.outcome === 'created' ? 'created' : result.outcome === 'duplicate_order' ? 'ignored' : result.outcome;
  const reason = result.problems.length ? describeProblems(result.problems).slice(0, 2000) : null;
  if (input.replayOf)
    await tx
      .updateTable('channel_ingestions')
      .set((eb) => ({
        status,
        reason,
        order_id: result.orderId,
        via: 'replay' as const,
        attempts: eb('attempts', '+', 1),
        processed_at: now,
      }))
      .where('id', '=', input.replayOf)
      .execute();
  else
    await tx
      .insertInto('channel_ingestions', {
        id: newId(),
        connection_id: partner.id,
        via: 'webhook',
        dedupe_key: input.dedupeKey,
        event_type: partner.syntax === 'edifact' ? 'edi.ORDERS' : 'ubl.Order',
        external_id: input.order.orderNumber || null,
        status,
        reason,
        payload: JSON.stringify(payload),
        order_id: result.orderId,
        received_at: now,
        processed_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'connection_id', 'dedupe_key']).doUpdateSet((eb) => ({
          attempts: eb('channel_ingestions.attempts', '+', 1),
          processed_at: now,
        })),
      )
      .execute();
  return result;
}

async function applyOrder(
  deps: EdiDeps,
  tx: Work,
  partner: Partner,
  input: { interchangeId: string; order: EdiOrder; locate: Locate },
): Promise<{ outcome: MessageOutcome; orderId: string | null; problems: StoredEdiProblem[] }> {
  const sku = await resolveSkus(tx, partner.id, input.order);
  const mapped = ediOrderInput(partner, input.order, sku, input.locate, {
    partnerId: partner.id,
    interchangeId: input.interchangeId,
    messageRef: input.order.messageRef,
  });
  if (!mapped.ok) return { outcome: 'failed', orderId: null, problems: mapped.problems };
  try {
    // its own savepoint: a refused order leaves nothing behind, the log row still commits
    const created = await atomically(tx, (inner) =>
      createOrder(deps.processes, inner, ediActor(partner), deps.clock, mapped.value),
    );
    return { outcome: 'created', orderId: created.id, problems: [] };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'DUPLICATE_ORDER')
      return {
        outcome: 'duplicate_order',
        orderId: typeof error.data.existingId === 'string' ? error.data.existingId : null,
        problems: [
          {
            ...input.locate({}, `order ${input.order.orderNumber} exists already (DUPLICATE_ORDER): not created again`),
            code: '26',
          },
        ],
      };
    return {
      outcome: 'failed',
      orderId: null,
      problems: [
        input.locate({}, `${error.code}: ${error.message}`),
        ...error.errors.map((e) => input.locate({}, `${e.path}: ${e.message}`)),
      ],
    };
  }
}

/** Where a problem of an EDIFACT order points: the NAD, LIN, PRI … segment and element. */
function edifactLocate(message: EdiMessage, order: EdiOrder): Locate {
  return (what, text) => {
    const base: StoredEdiProblem = { code: '12', message: text, messageRef: message.ref };
    if (what.party) {
      const party = order.parties.find((p) => p.role === what.party);
      return party?.position
        ? { ...base, segment: 'NAD', position: party.position, element: 2, component: 1 }
        : { ...base, code: '13', segment: 'NAD' };
    }
    if (what.line !== undefined) {
      const line = order.lines[what.line];
      if (!line) return base;
      if (what.field === 'price') return { ...base, code: '13', segment: 'LIN', position: line.position };
      return { ...base, segment: 'LIN', position: line.position, element: 3, component: 1 };
    }
    if (what.field === 'currency') return { ...base, code: '13', segment: 'CUX' };
    const bgm = message.segments.findIndex((s) => s.tag === 'BGM');
    return bgm >= 0 ? { ...base, segment: 'BGM', position: bgm + 1, element: 2 } : base;
  };
}

const stored = (p: EdiProblem): StoredEdiProblem => ({ ...p });

async function receiveEdifact(deps: EdiDeps, store: TenantScope, text: string): Promise<ReceiveReport> {
  const interchange: Interchange = parseInterchange(text);
  const partners = await listPartners(store);
  const partner = partnerBySender(partners, interchange.sender.id, interchange.sender.qualifier);
  const id = newId();
  return transaction(store, async (tx) => {
    const now = deps.clock.now();
    const fresh = await claim(tx, {
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

async function receiveUbl(deps: EdiDeps, store: TenantScope, xml: string): Promise<ReceiveReport> {
  const read = await readUblOrder(xml);
  const partners = await listPartners(store);
  const buyerGln = read.order?.parties.find((p) => p.role === 'BY')?.id;
  const partner = partnerByEndpoint(partners, read.senderEndpoint, buyerGln);
  const id = newId();
  const controlRef = read.documentId ?? id;
  return transaction(store, async (tx) => {
    const now = deps.clock.now();
    const sender = read.senderEndpoint ?? buyerGln ?? 'unknown';
    const fresh = await claim(tx, {
      id,
      partnerId: partner?.id ?? null,
      syntax: 'ubl',
      type: read.rootName ?? 'unknown',
      controlRef,
      sender,
      recipient: read.receiverEndpoint ?? '',
      content: xml,
      now,
    });
    let problems: StoredEdiProblem[] = [...read.problems];
    const messages: ReceivedMessageReport[] = [];
    if (!fresh)
      problems = [
        { code: '26', message: `document ${controlRef} from ${sender} was received before: nothing created` },
      ];
    else if (!partner)
      problems.unshift({
        code: '23',
        message: `sender ${sender} (endpoint or buyer GLN) is not an EDI partner of this tenant`,
        path: '/Order/BuyerCustomerParty',
      });
    else if (read.order) {
      const order = read.order;
      const result = await ingestEdiOrder(deps, tx, partner, {
        dedupeKey: `ubl:${sender}:${controlRef}`,
        interchangeId: id,
        order,
        raw: xml,
        syntaxProblems: problems,
        locate: ublLocate,
      });
      messages.push({ ref: controlRef, type: 'Order', orderNumber: order.orderNumber, ...result });
      problems = result.problems;
    }
    const created = messages.filter((m) => m.outcome === 'created');
    const status: EdiStatus = !fresh ? 'duplicate' : created.length ? 'accepted' : 'rejected';
    await tx
      .updateTable('edi_messages')
      .set({
        status,
        problems: JSON.stringify(problems),
        order_id: created[0]?.orderId ?? null,
        document_number: read.order?.orderNumber ?? null,
      })
      .where('id', '=', id)
      .execute();
    return {
      id,
      syntax: 'ubl' as const,
      status,
      partnerId: partner?.id ?? null,
      sender,
      controlRef,
      messages,
      problems,
      acknowledgement: null,
    };
  });
}

/** Where a problem of a UBL order points (an XPath into the document). */
export const ublLocate: Locate = (what, text) => {
  const base: StoredEdiProblem = { code: '12', message: text };
  if (what.party)
    return {
      ...base,
      path:
        what.party === 'SU'
          ? '/Order/SellerSupplierParty/Party/EndpointID'
          : what.party === 'BY'
            ? '/Order/BuyerCustomerParty/Party/EndpointID'
            : '/Order/Delivery/DeliveryLocation/ID',
    };
  if (what.line !== undefined)
    return {
      ...base,
      path: `/Order/OrderLine[${what.line + 1}]/LineItem${what.field === 'price' ? '/Price/PriceAmount' : what.field === 'item' ? '/Item' : ''}`,
    };
  if (what.field === 'currency') return { ...base, path: '/Order/DocumentCurrencyCode' };
  return { ...base, path: '/Order/ID' };
};

/**
 * Receives an EDIFACT interchange or a UBL Order: every message recorded with its outcome,
 * orders made through the normal intake, a CONTRL for every EDIFACT interchange. Anything that
 * is neither is refused (415) before anything is stored.
 */
export async function receiveEdi(deps: EdiDeps, store: TenantScope, body: Buffer): Promise<ReceiveReport> {
  const text = decodeEdifact(body);
  if (looksLikeEdifact(text)) return receiveEdifact(deps, store, text);
  if (looksLikeUbl(text)) return receiveUbl(deps, store, text);
  throw new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    'the body is neither an EDIFACT interchange (UNA/UNB) nor a UBL 2.1 Order (urn:oasis:names:specification:ubl:schema:xsd:Order-2)',
  );
}

/**
 * Replays an EDI order from the channel ingestion log (the channels console's error queue) after
 * its set-up was fixed (an article mapped, a GLN added): the stored order is mapped again with
 * the partner's current set-up and made through the normal intake.
 */
export async function replayEdiIngestion(
  deps: EdiDeps,
  store: TenantScope,
  partnerId: string,
  entry: { id: string; dedupe_key: string; payload: unknown },
) {
  const payload = entry.payload as { edi: { interchangeId: string; order: EdiOrder }; raw: string };
  const partners = await listPartners(store);
  const partner = partners.find((p) => p.id === partnerId);
  if (!partner) throw new AppError('NOT_FOUND', `EDI partner ${partnerId} not found`);
  const order = payload.edi.order;
  const locate =
    partner.syntax === 'ubl'
      ? ublLocate
      : edifactLocate({ ref: order.messageRef, segments: [] } as unknown as EdiMessage, order);
  const result = await transaction(store, (tx) =>
    ingestEdiOrder(deps, tx, partner, {
      dedupeKey: entry.dedupe_key,
      interchangeId: payload.edi.interchangeId,
      order,
      raw: payload.raw,
      syntaxProblems: [],
      locate,
      replayOf: entry.id,
    }),
  );
  return {
    outcome:
      result.outcome === 'created'
        ? ('created' as const)
        : result.outcome === 'duplicate_order'
          ? ('ignored' as const)
          : ('failed' as const),
    orderId: result.orderId,
    reason: result.problems.length ? describeProblems(result.problems) : null,
  };
}
