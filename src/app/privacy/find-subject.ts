import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-privacy.js';
import '../../store/schema-money.js';
import '../../store/schema-fulfilment.js';
import '../../store/schema-subscriptions.js';
import '../../store/schema-companies.js';
import { Needles, normalEmail, normalPhone, subjectHash } from './scrub.js';
import type { SubjectRows } from './places.js';

/** Who a request is about: a customer record, or an e-mail / phone (guest orders without one). */
export type SubjectRef = { customerId: string } | { email?: string | undefined; phone?: string | undefined };

export interface Subject extends SubjectRows {
  ref: SubjectRef;
  emails: string[];
  phones: string[];
  hashes: string[];
  /** Earlier erasures of this subject (a repeated request). */
  previous: Array<{ id: string; at: Date }>;
}

/** Text fields of an address or contact that name or reach the person (not the city or country). */
const PERSONAL_FIELDS = ['name', 'firstName', 'lastName', 'middleName', 'line1', 'line2', 'street', 'phone', 'email'];

function personalStrings(value: unknown, out: string[]): void {
  if (Array.isArray(value)) for (const item of value) personalStrings(item, out);
  else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const field of PERSONAL_FIELDS) if (typeof obj[field] === 'string') out.push(obj[field] as string);
    if (obj.address && typeof obj.address === 'object') personalStrings(obj.address, out);
  }
}

/**
 * Finds everything that identifies the subject: the customer records (by id, or by e-mail or
 * phone), the orders (theirs, and guest orders with the same e-mail or phone in the order or its
 * addresses), earlier erasures (whose orders no longer show the e-mail), and the strings to look
 * for (names, e-mails, phones, address lines). 404 when nothing is held.
 */
export async function findSubject(store: TenantScope, ref: SubjectRef): Promise<Subject> {
  const emails = new Set<string>();
  const phones = new Set<string>();
  const strings: string[] = [];
  let customers;
  if ('customerId' in ref) {
    customers = await store.selectFrom('customers').selectAll().where('id', '=', ref.customerId).execute();
    if (customers.length === 0) throw new AppError('NOT_FOUND', `customer ${ref.customerId} not found`);
  } else {
    if (!ref.email && !ref.phone)
      throw new AppError('VALIDATION_FAILED', 'give an e-mail or a phone', [{ path: '/email', message: 'required' }]);
    if (ref.email) emails.add(normalEmail(ref.email));
    if (ref.phone && normalPhone(ref.phone).length >= 6) phones.add(normalPhone(ref.phone));
    strings.push(ref.email ?? '', ref.phone ?? '');
    customers = await store
      .selectFrom('customers')
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(ref.email ? [eb(sql`lower(email)`, '=', normalEmail(ref.email))] : []),
          ...(phones.size ? [eb(sql`regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')`, 'in', [...phones])] : []),
        ]),
      )
      .execute();
  }
  for (const customer of customers) {
    if (customer.email) emails.add(normalEmail(customer.email));
    if (customer.phone && normalPhone(customer.phone).length >= 6) phones.add(normalPhone(customer.phone));
    strings.push(customer.name, customer.email ?? '', customer.phone ?? '');
    personalStrings(customer.addresses, strings);
    personalStrings(customer.contacts, strings);
  }
  const customerIds = customers.map((c) => c.id);
  const hashes = [
    ...[...emails].map((e) => subjectHash(store.tenantId, 'email', e)),
    ...[...phones].map((p) => subjectHash(store.tenantId, 'phone', p)),
  ];

  const previous = await store
    .selectFrom('privacy_erasures')
    .select(['id', 'at', 'order_ids'])
    .where((eb) =>
      eb.or([
        ...(customerIds.length ? [eb('customer_id', 'in', customerIds)] : []),
        ...(hashes.length
          ? [eb.exists(sql`(select 1 from unnest(subject_hashes) as h where h in (${sql.join(hashes)}))`)]
          : []),
      ]),
    )
    .orderBy('at')
    .execute();

  const emailList = [...emails];
  const phoneList = [...phones];
  const digits = (expr: string) => sql`regexp_replace(coalesce(${sql.raw(expr)}, ''), '[^0-9]', '', 'g')`;
  const orders = await store
    .selectFrom('orders')
    .select(['id', 'customer_name', 'customer_email', 'shipping_address', 'billing_address'])
    .where((eb) =>
      eb.or([
        ...(customerIds.length ? [eb('customer_id', 'in', customerIds)] : []),
        ...(emailList.length
          ? [
              eb(sql`lower(customer_email)`, 'in', emailList),
              eb(sql`lower(shipping_address->>'email')`, 'in', emailList),
              eb(sql`lower(billing_address->>'email')`, 'in', emailList),
            ]
          : []),
        ...(phoneList.length
          ? [
              eb(digits("shipping_address->>'phone'"), 'in', phoneList),
              eb(digits("billing_address->>'phone'"), 'in', phoneList),
            ]
          : []),
        ...(previous.length
          ? [eb('id', 'in', previous.flatMap((p) => p.order_ids).concat(['00000000-0000-0000-0000-000000000000']))]
          : []),
      ]),
    )
    .execute();
  for (const order of orders) {
    strings.push(order.customer_name ?? '', order.customer_email ?? '');
    personalStrings(order.shipping_address, strings);
    personalStrings(order.billing_address, strings);
  }
  const orderIds = orders.map((o) => o.id);
  if (customers.length === 0 && orders.length === 0 && previous.length === 0)
    throw new AppError('NOT_FOUND', 'no personal data is held for this e-mail or phone');

  const members = customerIds.length
    ? await store
        .selectFrom('company_members')
        .select(['name', 'email'])
        .where('customer_id', 'in', customerIds)
        .execute()
    : [];
  for (const member of members) strings.push(member.name, member.email ?? '');

  const [subscriptions, payments, shipments, invoices] = await Promise.all([
    customerIds.length
      ? store
          .selectFrom('subscriptions')
          .select(['id', 'shipping_address', 'billing_address'])
          .where('customer_id', 'in', customerIds)
          .execute()
      : Promise.resolve([]),
    orderIds.length
      ? store.selectFrom('payments').select('id').where('order_id', 'in', orderIds).execute()
      : Promise.resolve([]),
    orderIds.length
      ? store.selectFrom('shipments').select(['id', 'carrier_shipment_id']).where('order_id', 'in', orderIds).execute()
      : Promise.resolve([]),
    orderIds.length
      ? store.selectFrom('invoices').select('document').where('order_id', 'in', orderIds).execute()
      : Promise.resolve([]),
  ]);
  for (const sub of subscriptions) {
    personalStrings(sub.shipping_address, strings);
    personalStrings(sub.billing_address, strings);
  }
  // a follow-up erasure (retention over) finds the buyer only on the invoice
  for (const invoice of invoices)
    personalStrings(((invoice.document as { document?: { buyer?: unknown } }).document ?? {}).buyer, strings);

  return {
    ref,
    customerIds,
    orderIds,
    subscriptionIds: subscriptions.map((s) => s.id),
    paymentIds: payments.map((p) => p.id),
    shipmentIds: shipments.map((s) => s.id),
    carrierShipmentIds: shipments.map((s) => s.carrier_shipment_id).filter((v): v is string => Boolean(v)),
    needles: new Needles(strings),
    emails: emailList,
    phones: phoneList,
    hashes,
    previous: previous.map((p) => ({ id: p.id, at: p.at })),
  };
}
