import { sql } from 'kysely';
import { newId } from '../../shared/ids.js';
import { formatMoney } from '../../shared/money.js';
import type { Clock } from '../../shared/clock.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { writeInterchange } from '../../integrations/edi/edifact-write.js';
import { desadvBody, invoicBody, ordrspBody } from '../../integrations/edi/edifact-orders.js';
import { despatchAdviceXml, orderResponseXml } from '../../integrations/edi/ubl.js';
import type { DespatchDoc, InvoiceDoc, OrderResponseDoc } from '../../integrations/edi/documents.js';
import { scheduleTimer, type JobDefinition } from '../events/timers.js';
import { reviveDocument } from '../money/invoice-rows.js';
import { EDI_OUTBOUND_JOB, getPartner, nextControlRef, type Partner } from './partners.js';
import '../../store/schema-edi.js';
import '../../store/schema-events.js';
import '../../store/schema-fulfilment.js';
import '../../store/schema-money.js';
import '../../store/schema-inventory.js';

export const EDI_OUTBOUND_EVERY_MS = 15_000;
/** How often a message whose delivery failed is tried before it is left as failed. */
export const EDI_DELIVERY_ATTEMPTS = 8;
const BATCH = 100;
const TYPES = ['order.accepted', 'shipment.shipped', 'invoice.issued'];

type Kind = 'orderResponse' | 'despatchAdvice' | 'invoice';

async function orderOf(store: TenantScope, orderId: string) {
  const order = await store
    .selectFrom('orders')
    .select(['id', 'number', 'external_id', 'currency', 'attributes', 'placed_at', 'customer_id'])
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  const lines = await store
    .selectFrom('order_lines')
    .select(['id', 'line_no', 'external_line_id', 'sku', 'name', 'quantity', 'unit_price', 'attributes'])
    .where('order_id', '=', orderId)
    .orderBy('line_no')
    .execute();
  const edi = ((order.attributes as Record<string, unknown>).edi ?? {}) as Record<string, string>;
  return { order, lines, edi };
}

const lineEdi = (attributes: unknown) =>
  ((attributes as { edi?: Record<string, string> }).edi ?? {}) as Record<string, string>;

/** What was reserved per line: the order response's confirmed and backordered quantities. */
async function reservedByLine(store: TenantScope, orderId: string) {
  const rows = await store
    .selectFrom('stock_reservations')
    .select(['order_line_id', sql<string>`sum(quantity)`.as('quantity')])
    .where('order_id', '=', orderId)
    .where('status', 'in', ['active', 'consumed'])
    .groupBy('order_line_id')
    .execute();
  return new Map(rows.map((r) => [r.order_line_id, Number(r.quantity)]));
}

async function orderResponseDoc(store: TenantScope, partner: Partner, orderId: string, now: Date) {
  const { order, lines, edi } = await orderOf(store, orderId);
  const reserved = await reservedByLine(store, orderId);
  // reservations are made at intake when the channel reserves; none at all = confirmed as ordered
  const anyReserved = reserved.size > 0;
  const doc: OrderResponseDoc = {
    number: `${order.number}-R`,
    issuedAt: now.toISOString(),
    orderNumber: order.external_id ?? order.number,
    ...(edi.orderDate ? { orderDate: edi.orderDate } : {}),
    status: 'accepted',
    currency: order.currency,
    buyerGln: edi.buyerGln,
    supplierGln: partner.settings.ourGln,
    lines: lines.map((line) => {
      const confirmed = anyReserved ? Math.min(line.quantity, reserved.get(line.id) ?? 0) : line.quantity;
      const attrs = lineEdi(line.attributes);
      return {
        lineNo: line.external_line_id ?? String(line.line_no),
        sku: line.sku,
        name: line.name,
        ...(attrs.gtin ? { gtin: attrs.gtin } : {}),
        ...(attrs.buyerArticle ? { buyerArticle: attrs.buyerArticle } : {}),
        orderedQuantity: line.quantity,
        confirmedQuantity: confirmed,
        backorderedQuantity: line.quantity - confirmed,
        unitPrice: formatMoney(BigInt(line.unit_price), order.currency),
        status: confirmed === line.quantity ? ('accepted' as const) : ('changed' as const),
      };
    }),
  };
  if (doc.lines.some((l) => l.status !== 'accepted')) doc.status = 'changed';
  return { doc, order };
}

async function despatchDoc(
  store: TenantScope,
  partner: Partner,
  orderId: string,
  event: { shipmentId: string; carrier?: unknown; trackingNumber?: unknown },
  now: Date,
) {
  const shipmentId = event.shipmentId;
  const { order, lines, edi } = await orderOf(store, orderId);
  const shipment = await store
    .selectFrom('shipments')
    .select(['id', 'carrier', 'tracking_number', 'handed_over_at'])
    .where('id', '=', shipmentId)
    .executeTakeFirst();
  const fulfilments = await store
    .selectFrom('fulfilment_orders')
    .select('id')
    .where('order_id', '=', orderId)
    .where('shipment_id', '=', shipmentId)
    .execute();
  const ids = fulfilments.map((f) => f.id);
  const shipped = ids.length
    ? await store
        .selectFrom('fulfilment_lines')
        .select(['order_line_id', 'sku', 'name', 'quantity', 'picked'])
        .where('fulfilment_id', 'in', ids)
        .execute()
    : [];
  const packages = ids.length
    ? await store.selectFrom('fulfilment_packages').select(['reference']).where('fulfilment_id', 'in', ids).execute()
    : [];
  const byId = new Map(lines.map((l) => [l.id, l]));
  const docLines = (
    shipped.length
      ? shipped
      : lines.map((l) => ({ order_line_id: l.id, sku: l.sku, name: l.name, quantity: l.quantity, picked: null }))
  )
    .map((row) => {
      const line = byId.get(row.order_line_id);
      const attrs = lineEdi(line?.attributes ?? {});
      return {
        lineNo: line?.external_line_id ?? String(line?.line_no ?? ''),
        sku: row.sku,
        name: row.name,
        ...(attrs.gtin ? { gtin: attrs.gtin } : {}),
        quantity: row.picked ?? row.quantity,
        orderLineId: row.order_line_id,
      };
    })
    .filter((l) => l.quantity > 0);
  // the shipment row when it is there, else what the event said
  const carrier = shipment?.carrier ?? (typeof event.carrier === 'string' ? event.carrier : undefined);
  const tracking =
    shipment?.tracking_number ?? (typeof event.trackingNumber === 'string' ? event.trackingNumber : undefined);
  const ssccs = packages.map((p) => p.reference).filter((r): r is string => r !== null && /^\d{18}$/.test(r));
  const doc: DespatchDoc = {
    number: `${order.number}-D${shipmentId.slice(-6)}`,
    issuedAt: now.toISOString(),
    shippedAt: (shipment?.handed_over_at ? new Date(shipment.handed_over_at) : now).toISOString(),
    orderNumber: order.external_id ?? order.number,
    buyerGln: edi.buyerGln,
    supplierGln: partner.settings.ourGln,
    ...(edi.deliveryGln ? { deliveryGln: edi.deliveryGln } : {}),
    ...(carrier ? { carrier } : {}),
    ...(tracking ? { trackingNumber: tracking } : {}),
    // one package per SSCC; without SSCCs one package holds every line
    packages: ssccs.length
      ? ssccs.map((sscc, i) => ({ sscc, lines: i === 0 ? docLines.map((_, j) => j) : [] }))
      : [{ lines: docLines.map((_, j) => j) }],
    lines: docLines,
  };
  return { doc, order };
}

async function invoiceDoc(store: TenantScope, partner: Partner, orderId: string, invoiceId: string) {
  const { order, edi } = await orderOf(store, orderId);
  const row = await store.selectFrom('invoices').selectAll().where('id', '=', invoiceId).executeTakeFirstOrThrow();
  const { document } = reviveDocument(row.document);
  const money = (v: bigint) => formatMoney(v, row.currency);
  const doc: InvoiceDoc = {
    kind: row.kind,
    number: row.number,
    issueDate: String(row.issue_date),
    ...(row.due_date ? { dueDate: String(row.due_date) } : {}),
    orderNumber: order.external_id ?? order.number,
    currency: row.currency,
    buyerGln: edi.buyerGln,
    supplierGln: partner.settings.ourGln,
    net: money(BigInt(row.net)),
    vat: money(BigInt(row.vat)),
    gross: money(BigInt(row.gross)),
    lines: document.lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      ...(l.gtin ? { gtin: l.gtin } : {}),
      quantity: l.quantity,
      unitNet: money(l.unitNet),
      net: money(l.net),
      taxRate: /^\d+(\.\d+)?$/.test(String(l.vatRate)) ? String(l.vatRate) : '0',
    })),
  };
  return { doc, order };
}

const EDIFACT_TYPE: Record<Kind, string[]> = {
  orderResponse: ['ORDRSP', 'D', '96A', 'UN', 'EAN005'],
  despatchAdvice: ['DESADV', 'D', '96A', 'UN', 'EAN005'],
  invoice: ['INVOIC', 'D', '96A', 'UN', 'EAN008'],
};
const UBL_TYPE: Record<Kind, string> = {
  orderResponse: 'OrderResponse',
  despatchAdvice: 'DespatchAdvice',
  invoice: 'Invoice',
};

/**
 * Makes the partner's outgoing messages from the outbox, in order (events after the partner's
 * last seq): an order response when an order of its channel is accepted, a despatch advice when
 * a shipment leaves, an invoice when one is issued — each once per event (a unique index), each
 * interchange with the partner's next gap-free control reference, all in the caller's
 * transaction with the seq that moved.
 */
export async function generateEdiOutbound(store: TenantScope, clock: Clock, partnerId: string) {
  const partner = await getPartner(store, partnerId);
  const events = await store
    .selectFrom('events')
    .innerJoin('orders', (j) =>
      j.onRef('orders.tenant_id', '=', 'events.tenant_id').on(sql`orders.id::text`, '=', sql.ref('events.subject')),
    )
    .select(['events.id', 'events.seq', 'events.type', 'events.payload', 'orders.id as order_id'])
    .where('events.seq', '>', partner.outboundSeq)
    .where('events.type', 'in', TYPES)
    .where('orders.channel_id', '=', partner.channelId)
    .orderBy('events.seq')
    .limit(BATCH)
    .execute();
  const made: { id: string; type: string; controlRef: string }[] = [];
  let lastSeq = partner.outboundSeq;
  const send = partner.settings.send;
  for (const event of events) {
    lastSeq = String(event.seq);
    const payload = event.payload as Record<string, unknown>;
    const now = clock.now();
    let kind: Kind | null = null;
    let built: { doc: OrderResponseDoc | DespatchDoc | InvoiceDoc; order: { id: string; number: string } } | null =
      null;
    if (event.type === 'order.accepted' && send.orderResponse) {
      kind = 'orderResponse';
      built = await orderResponseDoc(store, partner, event.order_id, now);
    } else if (event.type === 'shipment.shipped' && send.despatchAdvice) {
      kind = 'despatchAdvice';
      built = await despatchDoc(
        store,
        partner,
        event.order_id,
        { shipmentId: String(payload.shipmentId), carrier: payload.carrier, trackingNumber: payload.trackingNumber },
        now,
      );
    } else if (
      event.type === 'invoice.issued' &&
      send.invoice &&
      partner.syntax === 'edifact' &&
      payload.kind !== 'proforma'
    ) {
      kind = 'invoice';
      built = await invoiceDoc(store, partner, event.order_id, String(payload.invoiceId));
    }
    if (!kind || !built) continue;
    const controlRef = await nextControlRef(store, partner.id);
    let content: string;
    let type: string;
    if (partner.syntax === 'edifact') {
      const ids = partner.settings.interchange!;
      const body =
        kind === 'orderResponse'
          ? ordrspBody(built.doc as OrderResponseDoc)
          : kind === 'despatchAdvice'
            ? desadvBody(built.doc as DespatchDoc)
            : invoicBody(built.doc as InvoiceDoc);
      type = EDIFACT_TYPE[kind][0]!;
      content = writeInterchange({
        syntax: { id: ids.syntax, version: ids.syntax === 'UNOY' ? '4' : '3' },
        sender: { id: ids.ourId, ...(ids.ourQualifier ? { qualifier: ids.ourQualifier } : {}) },
        recipient: { id: ids.partnerId, ...(ids.partnerQualifier ? { qualifier: ids.partnerQualifier } : {}) },
        at: now,
        controlRef,
        messages: [{ ref: '1', type: EDIFACT_TYPE[kind], body }],
      });
    } else {
      const endpoints = {
        buyer: partner.settings.peppol?.partnerEndpoint,
        seller: partner.settings.peppol?.ourEndpoint,
      };
      type = UBL_TYPE[kind];
      content =
        kind === 'orderResponse'
          ? orderResponseXml(built.doc as OrderResponseDoc, endpoints)
          : despatchAdviceXml(built.doc as DespatchDoc, endpoints);
    }
    const id = newId();
    await store
      .insertInto('edi_messages', {
        id,
        partner_id: partner.id,
        direction: 'out',
        syntax: partner.syntax,
        message_type: type,
        control_ref: controlRef,
        sender_id:
          partner.syntax === 'edifact'
            ? partner.settings.interchange!.ourId
            : (partner.settings.peppol?.ourEndpoint ?? ''),
        recipient_id:
          partner.syntax === 'edifact'
            ? partner.settings.interchange!.partnerId
            : (partner.settings.peppol?.partnerEndpoint ?? ''),
        document_number: (built.doc as { number: string }).number,
        status: 'generated',
        problems: '[]',
        order_id: built.order.id,
        related_id: null,
        event_id: event.id,
        content,
        last_error: null,
        delivered_at: null,
        created_at: now,
      })
      .execute();
    made.push({ id, type, controlRef });
  }
  await store.updateTable('channel_connections').set({ outbound_seq: lastSeq }).where('id', '=', partner.id).execute();
  return { made, full: events.length === BATCH, partner };
}

/**
 * Delivers generated messages to the partner's URL (HTTP POST, the message as the body), oldest
 * first; a refusal or an outage leaves the message `generated` with the error and a count, and
 * the job tries again later; after EDI_DELIVERY_ATTEMPTS it is `failed`.
 */
export async function deliverEdiMessages(
  store: TenantScope,
  clock: Clock,
  partner: Partner,
  fetchImpl: typeof fetch = fetch,
) {
  const url = partner.settings.deliveryUrl;
  if (!url) return { sent: 0, failed: 0 };
  const pending = await store
    .selectFrom('edi_messages')
    .select(['id', 'content', 'syntax', 'attempts', 'message_type', 'control_ref'])
    .where('partner_id', '=', partner.id)
    .where('direction', '=', 'out')
    .where('status', '=', 'generated')
    .orderBy('id')
    .limit(20)
    .execute();
  let sent = 0;
  let failed = 0;
  for (const message of pending) {
    let error: string | null = null;
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: {
          'content-type': message.syntax === 'ubl' ? 'application/xml' : 'application/EDIFACT',
          'x-ordo-message-type': message.message_type,
          'x-ordo-control-ref': message.control_ref,
        },
        body: message.content,
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) error = `HTTP ${response.status}`;
    } catch (caught) {
      error = (caught as Error).message;
    }
    const attempts = message.attempts + 1;
    await store
      .updateTable('edi_messages')
      .set({
        attempts,
        last_error: error,
        ...(error === null
          ? { status: 'sent' as const, delivered_at: clock.now() }
          : attempts >= EDI_DELIVERY_ATTEMPTS
            ? { status: 'failed' as const }
            : {}),
      })
      .where('id', '=', message.id)
      .execute();
    if (error === null) sent++;
    else {
      failed++;
      break;
    }
  }
  return { sent, failed };
}

/** The partner's durable outbound chain: generate from the outbox, deliver, reschedule. */
export function ediOutboundJob(deps: { clock: Clock; fetch?: typeof fetch }): JobDefinition {
  return {
    kind: EDI_OUTBOUND_JOB,
    async run(ctx) {
      const id = String(ctx.job.payload.id);
      const row = await ctx.tx
        .selectFrom('channel_connections')
        .select(['status'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row || row.status === 'paused') return;
      const generated = await generateEdiOutbound(ctx.tx, deps.clock, id);
      const delivered = await deliverEdiMessages(ctx.tx, deps.clock, generated.partner, deps.fetch);
      const wait = generated.full ? 0 : delivered.failed ? EDI_OUTBOUND_EVERY_MS * 4 : EDI_OUTBOUND_EVERY_MS;
      await scheduleTimer(ctx.tx, {
        kind: EDI_OUTBOUND_JOB,
        key: `edi-out:${id}`,
        runAt: new Date(ctx.now.getTime() + wait),
        payload: { id },
      });
    },
  };
}
