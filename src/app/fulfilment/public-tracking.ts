import { AppError } from '../../shared/errors.js';
import type { Db } from '../../store/db.js';
import { scope } from '../../store/tenant-scope.js';
import { trackingUrl } from './shipment-common.js';
import { chooseLanguage } from '../notifications/language.js';
import '../../store/schema-fulfilment.js';
import '../../store/schema-process.js';

export type TrackingStage =
  'placed' | 'confirmed' | 'preparing' | 'shipped' | 'delivered' | 'ready_for_pickup' | 'collected' | 'cancelled';

/** The contract of GET /api/v1/tracking/{token} (the customer page is built on it: keep the names). */
export interface PublicTracking {
  orderNumber: string;
  state: string;
  stage: TrackingStage;
  placedAt: string;
  language: 'en' | 'pl' | 'ru';
  deliveryMethod: 'ship' | 'pickup';
  lines: Array<{ name: string; quantity: number }>;
  shipments: Array<{
    carrier: string;
    trackingNumber: string | null;
    status: string;
    trackingUrl: string | null;
    events: Array<{ time: string; status: string; description: string | null; location: string | null }>;
  }>;
  pickup: { name: string; address: string } | null;
}

const CANCELLED = ['cancelled', 'rejected'];
const DELIVERED = ['delivered', 'completed', 'returning', 'refunding', 'returned'];
const BEFORE_CONFIRMED = ['received', 'accepted', 'new', 'pending', 'fraud_review', 'verifying'];

function stageOf(
  state: string,
  deliveryMethod: string,
  fos: Array<{ state: string }>,
  shipments: Array<{ status: string; handed_over_at: unknown }>,
): TrackingStage {
  if (CANCELLED.includes(state)) return 'cancelled';
  const live = fos.filter((f) => !['rejected', 'cancelled'].includes(f.state));
  if (deliveryMethod === 'pickup') {
    if ((live.length && live.every((f) => f.state === 'collected')) || DELIVERED.includes(state)) return 'collected';
    if (live.length && live.every((f) => ['ready_for_pickup', 'collected'].includes(f.state)))
      return 'ready_for_pickup';
  } else {
    const moving = shipments.filter((s) => s.status !== 'cancelled' && s.handed_over_at);
    if (
      DELIVERED.includes(state) ||
      (moving.length && moving.every((s) => s.status === 'delivered') && live.every((f) => f.state === 'delivered'))
    )
      return 'delivered';
    if (moving.length || state === 'in_transit') return 'shipped';
  }
  if (live.length) return 'preparing';
  if (BEFORE_CONFIRMED.includes(state) || state.startsWith('awaiting_')) return 'placed';
  return 'confirmed';
}

function addressLine(left: Record<string, unknown>): string {
  const value = (k: string) => (typeof left[k] === 'string' ? (left[k] as string) : '');
  return [value('line1'), value('line2'), [value('postalCode'), value('city')].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
}

/**
 * "Where is my order": what the customer may see, reached by the unguessable token alone (no
 * login). The token names the tenant; every read after it goes through that tenant's scope.
 * No personal data beyond what the customer knows: no names, addresses, e-mails or prices.
 * An unknown token is 404, the same as any other missing resource.
 */
export async function publicTracking(db: Db, token: string): Promise<PublicTracking> {
  const row =
    token.length <= 100
      ? await db
          .selectFrom('order_tracking_tokens')
          .select(['tenant_id', 'order_id'])
          .where('token', '=', token)
          .executeTakeFirst()
      : undefined;
  if (!row) throw new AppError('NOT_FOUND', 'no order is tracked under this link');
  const store = scope(db, row.tenant_id);
  const result = await store
    .selectFrom('orders')
    .select([
      'id',
      'number',
      'state',
      'placed_at',
      'delivery_method',
      'pickup_location_id',
      'customer_id',
      'channel_id',
      'attributes',
      'shipping_address',
    ])
    .where('id', '=', row.order_id)
    .executeTakeFirstOrThrow();
  const customer = result.customer_id
    ? await store
        .selectFrom('customers')
        .select(['locale', 'attributes'])
        .where('id', '=', result.customer_id)
        .executeTakeFirst()
    : undefined;
  const channel = await store
    .selectFrom('channels')
    .select(['settings'])
    .where('id', '=', result.channel_id)
    .executeTakeFirstOrThrow();
  const lines = await store
    .selectFrom('order_lines')
    .select(['name', 'quantity'])
    .where('order_id', '=', result.id)
    .orderBy('line_no')
    .execute();
  const fos = await store.selectFrom('fulfilment_orders').select(['state']).where('order_id', '=', result.id).execute();
  const shipments = await store
    .selectFrom('shipments')
    .selectAll()
    .where('order_id', '=', result.id)
    .where('carrier_shipment_id', 'is not', null)
    .where('status', '!=', 'cancelled')
    .orderBy('id')
    .execute();
  const events = shipments.length
    ? await store
        .selectFrom('shipment_events')
        .selectAll()
        .where(
          'shipment_id',
          'in',
          shipments.map((x) => x.id),
        )
        .orderBy('occurred_at')
        .orderBy('id')
        .execute()
    : [];
  const pickupLoc =
    result.delivery_method === 'pickup' && result.pickup_location_id
      ? await store
          .selectFrom('locations')
          .select(['name', 'address'])
          .where('id', '=', result.pickup_location_id)
          .executeTakeFirst()
      : undefined;
  const ship = (result.shipping_address ?? {}) as Record<string, unknown>;
  return {
    orderNumber: result.number,
    state: result.state,
    stage: stageOf(result.state, result.delivery_method, fos, shipments),
    placedAt: new Date(result.placed_at).toISOString(),
    // The same choice as the customer's e-mails, so the page speaks the language the link came in.
    language: chooseLanguage({
      orderAttributes: (result.attributes ?? {}) as Record<string, unknown>,
      customerAttributes: (customer?.attributes ?? {}) as Record<string, unknown>,
      customerLocale: customer?.locale,
      shippingCountry: typeof ship.country === 'string' ? ship.country : null,
      channelSettings: (channel.settings ?? {}) as Record<string, unknown>,
    }),
    deliveryMethod: result.delivery_method === 'pickup' ? 'pickup' : 'ship',
    lines: lines.map((l) => ({ name: l.name, quantity: l.quantity })),
    shipments: shipments.map((sh) => ({
      carrier: sh.carrier,
      trackingNumber: sh.tracking_number,
      status: sh.status,
      trackingUrl: trackingUrl(sh.carrier, sh.tracking_number),
      events: events
        .filter((e) => e.shipment_id === sh.id)
        .map((e) => ({
          time: new Date(e.occurred_at).toISOString(),
          status: e.status,
          description: e.description,
          location: e.location,
        })),
    })),
    pickup: pickupLoc ? { name: pickupLoc.name, address: addressLine(pickupLoc.address) } : null,
  };
}
