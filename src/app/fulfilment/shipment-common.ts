import type { Selectable } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { Address, CarrierAdapter, CarrierRegistry, ShipmentRef } from '../../integrations/carriers/index.js';
import type { ShipmentsTable } from '../../store/schema-fulfilment.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-fulfilment.js';

export type ShipmentRow = Selectable<ShipmentsTable>;

/**
 * Ordo's shipment statuses: `pending` (our row exists, the carrier has not confirmed — call
 * in flight, or lost), `failed` (the carrier refused or did not answer; see `error`, retry),
 * then the carrier-side statuses of integrations/carriers (created … delivered, cancelled).
 */
export const SHIPMENT_LOCAL_STATUSES = ['pending', 'failed'] as const;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** The public page of the carrier where a customer follows the parcel, when the carrier has one. */
export function trackingUrl(carrier: string, trackingNumber: string | null): string | null {
  if (!trackingNumber) return null;
  const name = encodeURIComponent(trackingNumber);
  switch (carrier) {
    case 'inpost':
      return `https://inpost.pl/sledzenie-przesylek?number=${name}`;
    case 'dhl-parcel-de':
      return `https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=${name}`;
    case 'cdek':
      return `https://www.cdek.ru/ru/tracking?order_id=${name}`;
    default:
      return null;
  }
}

export interface ShipmentPackage {
  id: string;
  fulfilmentId: string;
  weightG: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
}

export function shipmentView(
  value: ShipmentRow,
  extra: { fulfilmentOrderIds?: string[]; packages?: ShipmentPackage[] } = {},
) {
  return {
    id: value.id,
    orderId: value.order_id,
    carrier: value.carrier,
    service: value.service,
    status: value.status,
    carrierShipmentId: value.carrier_shipment_id,
    trackingNumber: value.tracking_number,
    trackingUrl: trackingUrl(value.carrier, value.tracking_number),
    carrierStatus: value.carrier_status,
    statusAt: iso(value.status_at),
    error: value.error,
    attempts: value.attempts,
    handedOverAt: iso(value.handed_over_at),
    deliveredAt: iso(value.delivered_at),
    version: value.version,
    createdAt: iso(value.created_at)!,
    updatedAt: iso(value.updated_at)!,
    fulfilmentOrderIds: extra.fulfilmentOrderIds ?? [],
    packages: extra.packages ?? [],
  };
}
export type ShipmentView = ReturnType<typeof shipmentView>;

export async function loadShipmentView(tx: TenantScope, id: string): Promise<ShipmentView> {
  const row = await tx.selectFrom('shipments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `shipment ${id} not found`);
  const fos = await tx
    .selectFrom('fulfilment_orders')
    .select('id')
    .where('shipment_id', '=', id)
    .orderBy('id')
    .execute();
  const packages = fos.length
    ? await tx
        .selectFrom('fulfilment_packages')
        .selectAll()
        .where(
          'fulfilment_id',
          'in',
          fos.map((f) => f.id),
        )
        .orderBy('id')
        .execute()
    : [];
  return shipmentView(row, {
    fulfilmentOrderIds: fos.map((f) => f.id),
    packages: packages.map((p) => ({
      id: p.id,
      fulfilmentId: p.fulfilment_id,
      weightG: p.weight_g,
      lengthMm: p.length_mm,
      widthMm: p.width_mm,
      heightMm: p.height_mm,
    })),
  });
}

/** The adapter for a carrier code, or 422 UNKNOWN_CARRIER naming the configured ones. */
export function adapterFor(carriers: CarrierRegistry | undefined, code: string, path = '/carrier'): CarrierAdapter {
  const carrier = carriers?.get(code);
  if (!carrier) {
    const known = [...(carriers?.keys() ?? [])];
    throw new AppError(
      'UNKNOWN_CARRIER',
      `carrier ${code} is not configured${known.length ? `; configured: ${known.join(', ')}` : ' (no carriers are configured)'}`,
      [{ path, message: 'unknown carrier' }],
    );
  }
  return carrier;
}

export const refOf = (s: ShipmentRow): ShipmentRef => ({
  reference: s.id,
  carrierShipmentId: s.carrier_shipment_id ?? '',
  trackingNumber: s.tracking_number,
  ...(s.status === 'cancelled' ? { status: 'cancelled' as const } : {}),
});

/**
 * A postal address of Ordo (order shipping address, location address) as a carrier address:
 * the house number is split off the end of line 1 ("ul. Świętokrzyska 12/4" → street, "12/4").
 */
export function carrierAddress(left: Record<string, unknown>, fallbackName: string): Address {
  const str = (k: string) =>
    typeof left[k] === 'string' && (left[k] as string).trim() ? (left[k] as string).trim() : undefined;
  const line1 = str('line1') ?? '';
  const match = /^(.*\D)\s+(\d[\w/-]*)$/u.exec(line1);
  const street = [match ? match[1]!.replace(/[,\s]+$/, '') : line1, str('line2')].filter(Boolean).join(', ');
  const out: Address = {
    name: str('name') ?? fallbackName,
    street,
    buildingNumber: match ? match[2]! : '',
    postalCode: str('postalCode') ?? '',
    city: str('city') ?? '',
    countryCode: str('country') ?? '',
  };
  for (const item of ['company', 'phone', 'email'] as const) {
    const value = str(item);
    if (value) out[item] = value;
  }
  return out;
}
