import { AppError } from '../../shared/errors.js';
import type { CarrierRegistry } from '../../integrations/carriers/index.js';
import {
  renderPackingSlips,
  renderPickLists,
  type DocumentLocale,
  type PackingSlipData,
  type PickListData,
  type PostalAddress,
} from '../../integrations/documents/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { getShipmentLabel } from './get-shipment-label.js';
import '../../store/schema-fulfilment.js';

/**
 * Printing from the console (issue 18): an order's packing slip, pick list and shipping label as
 * PDF, made by the shipping-document renderers (src/integrations/documents) from stored data.
 * Optionally narrowed to one fulfilment order (the fulfilment page). Nothing to print yet (no
 * fulfilment order, no booked shipment) is 409 NOTHING_TO_PRINT.
 */
export type PrintKind = 'packing-slip' | 'pick-list' | 'label';

export interface PrintRequest {
  orderId: string;
  kind: PrintKind;
  locale: DocumentLocale;
  fulfilmentOrderId?: string | undefined;
}

type Printed = { data: Buffer; filename: string; contentType: string };

/** What one order's document is made of, read and checked, not rendered yet. */
type Prepared =
  | { kind: 'label'; number: string; render: () => Promise<Printed> }
  | { kind: 'pick-list'; number: string; data: PickListData }
  | { kind: 'packing-slip'; number: string; data: PackingSlipData };

export async function printDocument(
  store: TenantScope,
  carriers: CarrierRegistry | undefined,
  request: PrintRequest,
): Promise<Printed> {
  const prepared = await preparePrint(store, carriers, request);
  switch (prepared.kind) {
    case 'label':
      return prepared.render();
    case 'pick-list':
      return {
        data: await renderPickLists([prepared.data]),
        filename: `pick-list-${prepared.number}.pdf`,
        contentType: 'application/pdf',
      };
    case 'packing-slip':
      return {
        data: await renderPackingSlips([prepared.data]),
        filename: `packing-slip-${prepared.number}.pdf`,
        contentType: 'application/pdf',
      };
  }
}

export const PRINT_MANY_MAX = 200;

/**
 * The packing slips or pick lists of several orders as ONE PDF, in the order given, to print in
 * one go (the console's bulk print). Every order must be printable: the first that is not answers
 * its own NOT_FOUND or NOTHING_TO_PRINT, naming it. Labels are the carriers' own PDFs and are
 * printed one by one (GET /orders/{id}/documents/label).
 */
export async function printDocuments(
  store: TenantScope,
  request: { orderIds: readonly string[]; kind: 'packing-slip' | 'pick-list'; locale: DocumentLocale },
): Promise<Printed> {
  const prepared = [];
  for (const orderId of request.orderIds)
    prepared.push(await preparePrint(store, undefined, { orderId, kind: request.kind, locale: request.locale }));
  const count = prepared.length;
  if (request.kind === 'pick-list')
    return {
      data: await renderPickLists(prepared.flatMap((item) => (item.kind === 'pick-list' ? [item.data] : []))),
      filename: `pick-lists-${count}.pdf`,
      contentType: 'application/pdf',
    };
  return {
    data: await renderPackingSlips(prepared.flatMap((item) => (item.kind === 'packing-slip' ? [item.data] : []))),
    filename: `packing-slips-${count}.pdf`,
    contentType: 'application/pdf',
  };
}

/**
 * Whether the document can be printed now, without rendering it or asking the carrier for the
 * label (bulk print answers per order): NOT_FOUND or NOTHING_TO_PRINT exactly as printDocument.
 */
export async function checkPrintable(store: TenantScope, request: PrintRequest): Promise<void> {
  await preparePrint(store, undefined, request);
}

/** Every check and read first; the render (or the carrier's label) is the function it returns. */
async function preparePrint(
  store: TenantScope,
  carriers: CarrierRegistry | undefined,
  request: PrintRequest,
): Promise<Prepared> {
  const order = await store
    .selectFrom('orders')
    .select(['id', 'number', 'display_number', 'customer_name', 'customer_email', 'shipping_address', 'placed_at'])
    .where('id', '=', request.orderId)
    .executeTakeFirst();
  if (!order) throw new AppError('NOT_FOUND', `order ${request.orderId} not found`);
  const number = order.display_number ?? order.number;
  let fulfilments = store
    .selectFrom('fulfilment_orders')
    .innerJoin('locations', (join) =>
      join
        .onRef('locations.tenant_id', '=', 'fulfilment_orders.tenant_id')
        .onRef('locations.id', '=', 'fulfilment_orders.location_id'),
    )
    .select([
      'fulfilment_orders.id',
      'fulfilment_orders.state',
      'fulfilment_orders.shipment_id',
      'locations.code as location_code',
      'locations.name as location_name',
      'locations.address as location_address',
      'locations.country as location_country',
    ])
    .where('fulfilment_orders.order_id', '=', order.id)
    .where('fulfilment_orders.state', '!=', 'cancelled');
  if (request.fulfilmentOrderId)
    fulfilments = fulfilments.where('fulfilment_orders.id', '=', request.fulfilmentOrderId);
  const fos = await fulfilments.orderBy('fulfilment_orders.created_at').execute();
  if (request.fulfilmentOrderId && fos.length === 0)
    throw new AppError('NOT_FOUND', `fulfilment order ${request.fulfilmentOrderId} of order ${number} not found`);

  if (request.kind === 'label') {
    let shipments = store
      .selectFrom('shipments')
      .select(['id', 'carrier_shipment_id'])
      .where('order_id', '=', order.id)
      .where('status', '!=', 'cancelled')
      .where('carrier_shipment_id', 'is not', null);
    if (request.fulfilmentOrderId) {
      const ids = fos.map((fo) => fo.shipment_id).filter((id): id is string => Boolean(id));
      shipments = ids.length ? shipments.where('id', 'in', ids) : shipments.where('id', 'is', null);
    }
    const shipment = await shipments.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    if (!shipment)
      throw new AppError('NOTHING_TO_PRINT', `order ${number} has no shipment booked at a carrier yet, so no label`);
    return {
      kind: 'label',
      number,
      render: async () => {
        const label = await getShipmentLabel(store, carriers, shipment.id, 'pdf');
        return { data: Buffer.from(label.data), filename: `label-${number}.pdf`, contentType: 'application/pdf' };
      },
    };
  }

  const lines = fos.length
    ? await store
        .selectFrom('fulfilment_lines')
        .select(['fulfilment_id', 'sku', 'name', 'quantity', 'lots'])
        .where(
          'fulfilment_id',
          'in',
          fos.map((fo) => fo.id),
        )
        .orderBy('sku')
        .execute()
    : [];

  if (request.kind === 'pick-list') {
    if (lines.length === 0)
      throw new AppError('NOTHING_TO_PRINT', `order ${number} has no fulfilment order to pick yet`);
    const first = fos[0]!;
    return {
      kind: 'pick-list',
      number,
      data: {
        locale: request.locale,
        pickListNumber: request.fulfilmentOrderId ? `${number}/${first.location_code}` : number,
        location: { code: first.location_code, name: first.location_name },
        lines: lines.map((line) => ({
          sku: line.sku,
          name: line.name,
          quantity: line.quantity,
          zone: fos.find((fo) => fo.id === line.fulfilment_id)?.location_code ?? '-',
          bin: '-',
          orderNumber: number,
          ...(line.lots?.[0] ? { lot: line.lots[0] } : {}),
        })),
      },
    };
  }

  // packing slip: the fulfilment lines when there are any, else the order's own lines
  const slipLines = lines.length
    ? lines.map((line) => ({ sku: line.sku, name: line.name, quantity: line.quantity }))
    : await store
        .selectFrom('order_lines')
        .select(['sku', 'name', 'quantity'])
        .where('order_id', '=', order.id)
        .orderBy('line_no')
        .execute();
  const shipTo = postal(order.shipping_address as Record<string, unknown> | null, order.customer_name);
  if (!shipTo) throw new AppError('NOTHING_TO_PRINT', `order ${number} has no shipping address, so no packing slip`);
  if (slipLines.length === 0) throw new AppError('NOTHING_TO_PRINT', `order ${number} has no lines to pack`);
  const from = fos[0] ? postal(fos[0].location_address as Record<string, unknown>, fos[0].location_name) : null;
  return {
    kind: 'packing-slip',
    number,
    data: {
      locale: request.locale,
      orderNumber: number,
      orderDate: new Date(order.placed_at).toISOString().slice(0, 10),
      customer: {
        name: order.customer_name ?? shipTo.name,
        ...(order.customer_email ? { email: order.customer_email } : {}),
      },
      shipTo,
      ...(from ? { shipFrom: from } : {}),
      ...(request.fulfilmentOrderId ? { shipmentReference: request.fulfilmentOrderId } : {}),
      lines: slipLines,
    },
  };
}

/** A stored address ({name, line1, line2, city, postalCode, country, phone}) as a document address, or null when incomplete. */
function postal(address: Record<string, unknown> | null, fallbackName: string | null): PostalAddress | null {
  if (!address) return null;
  const text = (key: string) =>
    typeof address[key] === 'string' && address[key] ? (address[key] as string) : undefined;
  const lines = [text('line1'), text('line2'), text('line3')].filter((line): line is string => Boolean(line));
  const city = text('city');
  const country = text('country');
  const name = text('name') ?? fallbackName;
  if (!lines.length || !city || !country || !name) return null;
  return {
    name,
    lines,
    postalCode: text('postalCode') ?? '',
    city,
    country: country.toUpperCase(),
    ...(text('company') ? { company: text('company')! } : {}),
    ...(text('phone') ? { phone: text('phone')! } : {}),
  };
}
