import { sql, type RawBuilder } from 'kysely';
import type { Conn } from '../../store/db.js';
import { ERASED, scrubJson, type Needles } from './scrub.js';

type Row = Record<string, unknown>;

/** Who the request is about, as found in the tenant's data (find-subject.ts). */
export interface SubjectRows {
  customerIds: string[];
  orderIds: string[];
  subscriptionIds: string[];
  /** Payment ids of the orders (provider notifications name the payment). */
  paymentIds: string[];
  /** Shipment ids and carrier ids of the orders (tracking events, own-fleet records). */
  shipmentIds: string[];
  carrierShipmentIds: string[];
  needles: Needles;
}

export interface EraseContext {
  needles: Needles;
  now: Date;
  /** Invoices are kept whole until the end of their retention (docs/privacy.md). */
  invoiceRetainedUntil: (issueDate: string) => Date;
  retained: Array<{ table: string; id: string; fields: string[]; until: string; why: string }>;
}

/**
 * One place personal data lives: how the rows of a subject are found (by order, customer,
 * subscription, or by the person's strings in free text) and what erasure writes instead.
 * Export and erasure walk the same list, so what is exported is what is erased.
 */
export interface Place {
  table: string;
  key: string[];
  json?: string[];
  byOrder?: string[];
  byCustomer?: string[];
  bySubscription?: string;
  byPayment?: string;
  byShipment?: string;
  byCarrierShipment?: string;
  /** text/json columns searched for the subject's strings (records not linked to an order: failed channel records, jobs). */
  byText?: string[];
  /** columns left out of the export (binary documents). */
  omit?: string[];
  /** The new values of changed columns, or null when the row holds nothing of the person any more. */
  erase: (row: Row, ctx: EraseContext) => Row | null;
}

const text = (value: unknown, ctx: EraseContext) => (typeof value === 'string' ? ctx.needles.scrubText(value) : value);
const json = (value: unknown, ctx: EraseContext) => (value == null ? value : scrubJson(value, ctx.needles));
const person = (value: unknown, ctx: EraseContext) => (value == null ? value : scrubJson(value, ctx.needles, true));

/** Scrubs the listed columns (text: needles; json: needles and personal keys); returns only what changed. */
function scrub(columns: { text?: string[]; json?: string[]; person?: string[] }) {
  return (row: Row, ctx: EraseContext): Row | null => {
    const patch: Row = {};
    for (const column of columns.text ?? []) patch[column] = text(row[column], ctx);
    for (const column of columns.json ?? []) patch[column] = json(row[column], ctx);
    for (const column of columns.person ?? []) patch[column] = person(row[column], ctx);
    return changedOnly(row, patch);
  };
}

function changedOnly(row: Row, patch: Row): Row | null {
  const out: Row = {};
  for (const [column, value] of Object.entries(patch))
    if (JSON.stringify(row[column]) !== JSON.stringify(value)) out[column] = value;
  return Object.keys(out).length ? out : null;
}

/** Person's name as it reads once erased (the row stays, pointed at by orders). */
const erasedName = ERASED;

export const PLACES: Place[] = [
  {
    table: 'customers',
    key: ['id'],
    json: ['addresses', 'contacts', 'attributes'],
    byCustomer: ['id'],
    erase: (row, ctx) =>
      changedOnly(row, {
        name: erasedName,
        email: null,
        phone: null,
        code: ctx.needles.foundIn(String(row.code)) ? `erased-${String(row.id).slice(-12)}` : row.code,
        addresses: [],
        contacts: [],
        attributes: {},
        erased_at: row.erased_at ?? ctx.now,
      }),
  },
  {
    table: 'orders',
    key: ['id'],
    json: ['shipping_address', 'billing_address', 'attributes', 'payments', 'marketplace', 'pickup_point'],
    byOrder: ['id'],
    erase: (row, ctx) =>
      changedOnly(row, {
        customer_name: row.customer_name == null ? null : erasedName,
        customer_email: null,
        customer_external_id: null,
        customer_masked: true,
        shipping_address: person(row.shipping_address, ctx),
        billing_address: person(row.billing_address, ctx),
        notes: text(row.notes, ctx),
        attributes: json(row.attributes, ctx),
        payments: json(row.payments, ctx),
        marketplace: json(row.marketplace, ctx),
        search_text: [row.number, row.external_id, row.display_number].filter(Boolean).join(' ').toLowerCase(),
      }),
  },
  {
    table: 'order_lines',
    key: ['id'],
    json: ['attributes'],
    byOrder: ['order_id'],
    erase: scrub({ json: ['attributes'] }),
  },
  {
    table: 'order_history',
    key: ['id'],
    json: ['changes', 'reason'],
    byOrder: ['order_id'],
    erase: scrub({ json: ['changes', 'reason'] }),
  },
  {
    table: 'order_changes',
    key: ['id'],
    json: ['actions', 'preview'],
    byOrder: ['order_id'],
    erase: scrub({ text: ['reason'], json: ['actions', 'preview'] }),
  },
  {
    table: 'order_processes',
    key: ['order_id'],
    json: ['snapshot'],
    byOrder: ['order_id'],
    erase: scrub({ json: ['snapshot'] }),
  },
  {
    table: 'process_tasks',
    key: ['id'],
    byOrder: ['order_id'],
    erase: scrub({ text: ['title', 'comment'] }),
  },
  {
    table: 'notifications',
    key: ['id'],
    byOrder: ['order_id'],
    byText: ['recipient'],
    // the message is gone; that one was sent (template, state, when) stays as the order's record
    erase: (row, ctx) =>
      changedOnly(row, {
        recipient: ERASED,
        subject: ERASED,
        body_text: ERASED,
        body_html: ERASED,
        last_response: text(row.last_response, ctx),
      }),
  },
  {
    table: 'returns',
    key: ['id'],
    json: ['photos', 'label', 'drop_off', 'exchange'],
    byOrder: ['order_id', 'id'],
    erase: (row, ctx) =>
      changedOnly(row, {
        note: text(row.note, ctx),
        photos: [],
        label: json(row.label, ctx),
        drop_off: json(row.drop_off, ctx),
      }),
  },
  { table: 'return_receipts', key: ['id'], json: ['actor'], byOrder: ['return_id'], erase: scrub({ text: ['note'] }) },
  { table: 'return_inspections', key: ['id'], byOrder: ['return_id'], erase: scrub({ text: ['note'] }) },
  {
    table: 'store_credit_entries',
    key: ['id'],
    byCustomer: ['customer_id'],
    byOrder: ['order_id'],
    erase: scrub({ text: ['note'] }),
  },
  {
    table: 'payments',
    key: ['id'],
    byOrder: ['order_id'],
    erase: scrub({ text: ['reference', 'redirect_url'] }),
  },
  {
    table: 'payment_operations',
    key: ['id'],
    json: ['error', 'request', 'actor'],
    byOrder: ['order_id'],
    erase: scrub({ text: ['reason'], json: ['error', 'request'] }),
  },
  {
    table: 'payment_notifications',
    key: ['id'],
    json: ['payload'],
    byPayment: 'payment_id',
    byText: ['payload'],
    erase: scrub({ json: ['payload'] }),
  },
  {
    table: 'invoices',
    key: ['id'],
    json: ['document', 'ksef_error'],
    byOrder: ['order_id'],
    erase: (row, ctx) => {
      const until = ctx.invoiceRetainedUntil(String(row.issue_date));
      const patch: Row = { reason: text(row.reason, ctx) };
      // the column holds { document: { seller, buyer, lines, … }, covers }
      const stored = (row.document ?? {}) as Row;
      const document = (stored.document ?? {}) as Row;
      const buyer = document.buyer as Row | undefined;
      if (until > ctx.now) {
        // what the invoice must show (name, tax id, address) stays; its e-mail was only for sending it
        if (buyer && 'email' in buyer) {
          const { email: _email, ...kept } = buyer;
          patch.document = { ...stored, document: { ...document, buyer: kept } };
        }
        ctx.retained.push({
          table: 'invoices',
          id: String(row.id),
          fields: ['buyer.name', 'buyer.taxId', 'buyer.address'],
          until: until.toISOString().slice(0, 10),
          why: 'an issued invoice is kept with its buyer for the tax and accounting retention period',
        });
      } else {
        patch.document = {
          ...stored,
          document: {
            ...(scrubJson({ ...document, buyer: undefined }, ctx.needles) as Row),
            ...(buyer ? { buyer: person(buyer, ctx) } : {}),
          },
        };
      }
      return changedOnly(row, patch);
    },
  },
  {
    table: 'shipments',
    key: ['id'],
    byOrder: ['order_id'],
    erase: () => null,
  },
  {
    table: 'shipment_events',
    key: ['id'],
    byShipment: 'shipment_id',
    erase: scrub({ text: ['description', 'location'] }),
  },
  {
    table: 'manual_carrier_shipments',
    key: ['carrier_shipment_id'],
    json: ['request', 'events'],
    byCarrierShipment: 'carrier_shipment_id',
    byText: ['request'],
    erase: (row, ctx) => changedOnly(row, { request: person(row.request, ctx), events: json(row.events, ctx) }),
  },
  {
    table: 'channel_ingestions',
    key: ['id'],
    json: ['payload'],
    byOrder: ['order_id'],
    byText: ['payload'],
    // the raw record is the buyer's data as the channel sent it: nothing in it is kept
    erase: (row, ctx) =>
      changedOnly(row, { payload: { erased: true, at: ctx.now.toISOString() }, reason: text(row.reason, ctx) }),
  },
  {
    table: 'channel_outbound',
    key: ['id'],
    byOrder: ['order_id'],
    omit: ['label'],
    // the marketplace's label carries the delivery address
    erase: (row, ctx) => changedOnly(row, { detail: text(row.detail, ctx), label: null }),
  },
  {
    table: 'edi_messages',
    key: ['id'],
    json: ['problems'],
    byOrder: ['order_id'],
    byText: ['content'],
    erase: scrub({ text: ['content', 'last_error'], json: ['problems'] }),
  },
  {
    table: 'events',
    key: ['id'],
    json: ['payload'],
    byOrder: ['subject'],
    byCustomer: ['subject'],
    byText: ['payload'],
    erase: scrub({ json: ['payload'] }),
  },
  {
    table: 'delivery_attempts',
    key: ['delivery_id', 'attempt'],
    byText: ['response_excerpt', 'error'],
    erase: scrub({ text: ['response_excerpt', 'error'] }),
  },
  {
    table: 'inbound_events',
    key: ['id'],
    json: ['payload'],
    byText: ['payload'],
    erase: scrub({ text: ['error'], json: ['payload'] }),
  },
  {
    table: 'jobs',
    key: ['id'],
    json: ['payload'],
    byText: ['payload', 'last_error'],
    erase: scrub({ text: ['last_error'], json: ['payload'] }),
  },
  {
    table: 'idempotency_keys',
    key: ['key'],
    json: ['response'],
    byText: ['response'],
    erase: scrub({ json: ['response'] }),
  },
  {
    table: 'audit_log',
    key: ['id'],
    json: ['changes'],
    byCustomer: ['entity_id'],
    byText: ['changes'],
    erase: scrub({ json: ['changes'] }),
  },
  {
    table: 'company_members',
    key: ['id'],
    byCustomer: ['customer_id'],
    byText: ['email', 'name'],
    erase: (row) => changedOnly(row, { name: erasedName, email: null, active: false }),
  },
  {
    table: 'companies',
    key: ['id'],
    json: ['contacts', 'addresses'],
    byText: ['contacts'],
    // only the company's contact entries naming the person; the company's own data stays
    erase: (row, ctx) =>
      changedOnly(row, {
        contacts: ((row.contacts as unknown[]) ?? []).filter((c) => !ctx.needles.foundIn(JSON.stringify(c))),
      }),
  },
  {
    table: 'subscriptions',
    key: ['id'],
    json: ['shipping_address', 'billing_address', 'attributes', 'delivery'],
    byCustomer: ['customer_id'],
    erase: scrub({
      text: ['notes'],
      json: ['attributes', 'delivery'],
      person: ['shipping_address', 'billing_address'],
    }),
  },
  {
    table: 'subscription_history',
    key: ['id'],
    json: ['changes'],
    bySubscription: 'subscription_id',
    erase: scrub({ text: ['reason'], json: ['changes'] }),
  },
  {
    table: 'subscription_cycles',
    key: ['subscription_id', 'cycle'],
    bySubscription: 'subscription_id',
    erase: scrub({ text: ['reason'] }),
  },
];

/** Every row of a place that belongs to the subject. */
export async function rowsOf(conn: Conn, tenantId: string, place: Place, subject: SubjectRows): Promise<Row[]> {
  const conditions: RawBuilder<unknown>[] = [];
  const inList = (column: string, ids: string[]) => {
    if (ids.length) conditions.push(sql`${sql.ref(column)} in (${sql.join(ids)})`);
  };
  for (const column of place.byOrder ?? []) inList(column, subject.orderIds);
  for (const column of place.byCustomer ?? []) inList(column, subject.customerIds);
  if (place.bySubscription) inList(place.bySubscription, subject.subscriptionIds);
  if (place.byPayment) inList(place.byPayment, subject.paymentIds);
  if (place.byShipment) inList(place.byShipment, subject.shipmentIds);
  if (place.byCarrierShipment) inList(place.byCarrierShipment, subject.carrierShipmentIds);
  for (const column of place.byText ?? []) {
    for (const needle of subject.needles.values) {
      // the exact spelling, and lower case for Latin letters (PostgreSQL's lower() under the C locale)
      conditions.push(sql`strpos(${sql.ref(column)}::text, ${needle}) > 0`);
      conditions.push(sql`strpos(lower(${sql.ref(column)}::text), ${needle.toLowerCase()}) > 0`);
    }
  }
  if (conditions.length === 0) return [];
  const result = await sql<Row>`select * from ${sql.table(place.table)} where tenant_id = ${tenantId} and (${sql.join(
    conditions,
    sql` or `,
  )})`.execute(conn);
  return result.rows;
}

/** Writes a row's erased values (JSON columns as jsonb). */
export async function updateRow(conn: Conn, tenantId: string, place: Place, row: Row, patch: Row): Promise<void> {
  const sets = Object.entries(patch).map(([column, value]) =>
    place.json?.includes(column) && value != null
      ? sql`${sql.ref(column)} = ${JSON.stringify(value)}::jsonb`
      : sql`${sql.ref(column)} = ${value}`,
  );
  const keys = place.key.map((k) => sql`${sql.ref(k)} = ${row[k]}`);
  await sql`update ${sql.table(place.table)} set ${sql.join(sets)} where tenant_id = ${tenantId} and ${sql.join(
    keys,
    sql` and `,
  )}`.execute(conn);
}
