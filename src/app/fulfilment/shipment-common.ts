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
  const n = encodeURIComponent(trackingNumber);
  switch (carrier) {
    case 'inpost': return `https://inpost.pl/sledzenie-przesylek?number=${n}`;
    case 'dhl-parcel-de': return `https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=${n}`;
    case 'cdek': return `https://www.cdek.ru/ru/tracking?order_id=${n}`;
    default: return null;
  }
}

export interface ShipmentPackage { id: string; fulfilmentId: string; weightG: number; lengthMm: number; widthMm: number; heightMm: number }

export function shipmentView(s: ShipmentRow, extra: { fulfilmentOrderIds?: string[]; packages?: ShipmentPackage[] } = {}) {
  return {
    id: s.id, orderId: s.order_id, carrier: s.carrier, service: s.service, status: s.status,
    carrierShipmentId: s.carrier_shipment_id, trackingNumber: s.tracking_number, trackingUrl: trackingUrl(s.carrier, s.tracking_number),
    carrierStatus: s.carrier_status, statusAt: iso(s.status_at), error: s.error, attempts: s.attempts,
    handedOverAt: iso(s.handed_over_at), deliveredAt: iso(s.delivered_at), version: s.version,
    createdAt: iso(s.created_at)!, updatedAt: iso(s.updated_at)!,
    fulfilmentOrderIds: extra.fulfilmentOrderIds ?? [], packages: extra.packages ?? [],
  };
}
export type ShipmentView = ReturnType<typeof shipmentView>;

export async function loadShipmentView(tx: TenantScope, id: string): Promise<ShipmentView> {
  const s = await tx.selectFrom('shipments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) throw new AppError('NOT_FOUND', `shipment ${id} not found`);
  const fos = await tx.selectFrom('fulfilment_orders').select('id').where('shipment_id', '=', id).orderBy('id').execute();
  const packages = fos.length ? await tx.selectFrom('fulfilment_packages').selectAll().where('fulfilment_id', 'in', fos.map((f) => f.id)).orderBy('id').execute() : [];
  return shipmentView(s, { fulfilmentOrderIds: fos.map((f) => f.id),
    packages: packages.map((p) => ({ id: p.id, fulfilmentId: p.fulfilment_id, weightG: p.weight_g, lengthMm: p.length_mm, widthMm: p.width_mm, heightMm: p.height_mm })) });
}

/** The adapter for a carrier code, or 422 UNKNOWN_CARRIER naming the configured ones. */
export function adapterFor(carriers: CarrierRegistry | undefined, code: string, path = '/carrier'): CarrierAdapter {
  const a = carriers?.get(code);
  if (!a) {
    const known = [...(carriers?.keys() ?? [])];
    throw new AppError('UNKNOWN_CARRIER', `carrier ${code} is not configured${known.length ? `; configured: ${known.join(', ')}` : ' (no carriers are configured)'}`, [{ path, message: 'unknown carrier' }]);
  }
  return a;
}

export const refOf = (s: ShipmentRow): ShipmentRef => ({
  reference: s.id, carrierShipmentId: s.carrier_shipment_id ?? '', trackingNumber: s.tracking_number,
  ...(s.status === 'cancelled' ? { status: 'cancelled' as const } : {}),
});

/**
 * A postal address of Ordo (order shipping address, location address) as a carrier address:
 * the house number is split off the end of line 1 ("ul. Świętokrzyska 12/4" → street, "12/4").
 */
export function carrierAddress(a: Record<string, unknown>, fallbackName: string): Address {
  const str = (k: string) => (typeof a[k] === 'string' && (a[k] as string).trim() ? (a[k] as string).trim() : undefined);
  const line1 = str('line1') ?? '';
  const m = /^(.*\D)\s+(\d[\w/-]*)$/u.exec(line1);
  const street = [m ? m[1]!.replace(/[,\s]+$/, '') : line1, str('line2')].filter(Boolean).join(', ');
  const out: Address = {
    name: str('name') ?? fallbackName, street, buildingNumber: m ? m[2]! : '',
    postalCode: str('postalCode') ?? '', city: str('city') ?? '', countryCode: str('country') ?? '',
  };
  for (const k of ['company', 'phone', 'email'] as const) { const v = str(k); if (v) out[k] = v; }
  return out;
}
