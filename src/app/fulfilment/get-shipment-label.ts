import { AppError } from '../../shared/errors.js';
import type { CarrierRegistry, Label, LabelFormat } from '../../integrations/carriers/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { adapterFor, refOf } from './shipment-common.js';

/**
 * The carrier's label (PDF, or ZPL where the carrier offers it), fetched from the carrier each
 * time it is asked for, so a lost or re-printed label is always the carrier's current one.
 * A cancelled shipment is refused (409 SHIPMENT_CANCELLED) without calling the carrier.
 */
export async function getShipmentLabel(
  scope: TenantScope,
  carriers: CarrierRegistry | undefined,
  shipmentId: string,
  format: LabelFormat,
): Promise<Label> {
  const sh = await scope.selectFrom('shipments').selectAll().where('id', '=', shipmentId).executeTakeFirst();
  if (!sh) throw new AppError('NOT_FOUND', `shipment ${shipmentId} not found`);
  if (sh.status === 'cancelled')
    throw new AppError('SHIPMENT_CANCELLED', `shipment ${shipmentId} is cancelled; it has no label`);
  if (!sh.carrier_shipment_id)
    throw new AppError(
      'SHIPMENT_STATE_CONFLICT',
      `shipment ${shipmentId} is ${sh.status}: the carrier has not accepted it yet`,
      [],
      { shipmentStatus: sh.status },
    );
  const adapter = adapterFor(carriers, sh.carrier);
  if (!adapter.labelFormats.includes(format))
    throw new AppError('CARRIER_UNSUPPORTED', `${sh.carrier} offers labels as ${adapter.labelFormats.join(', ')}`, [
      { path: 'query:format', message: 'not offered' },
    ]);
  const carrierResult = await adapter.getLabel(refOf(sh), format);
  if (!carrierResult.ok)
    throw new AppError(carrierResult.error.code, carrierResult.error.message, [], {
      carrierMessages: carrierResult.error.carrierMessages,
      retryable: carrierResult.error.retryable,
    });
  return carrierResult.value;
}
