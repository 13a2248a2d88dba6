import { AppError } from '../../shared/errors.js';
import type { CarrierRegistry, Label, LabelFormat } from '../../integrations/carriers/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { adapterFor } from '../fulfilment/shipment-common.js';
import '../../store/schema-returns.js';

/**
 * A return's label as the carrier renders it (PDF, or ZPL where offered), fetched each time so a
 * lost label is reprinted as the carrier's current one. 409 until the carrier has issued it.
 */
export async function getReturnLabel(
  scope: TenantScope,
  carriers: CarrierRegistry | undefined,
  returnId: string,
  format: LabelFormat,
): Promise<Label> {
  const ret = await scope.selectFrom('returns').select(['id', 'label']).where('id', '=', returnId).executeTakeFirst();
  if (!ret) throw new AppError('NOT_FOUND', `return ${returnId} not found`);
  const label = (ret.label ?? {}) as {
    status?: string;
    carrier?: string;
    carrierShipmentId?: string;
    trackingNumber?: string | null;
  };
  if (label.status !== 'issued' || !label.carrier || !label.carrierShipmentId)
    throw new AppError(
      'RETURN_STATE_CONFLICT',
      `return ${returnId} has no issued label (${label.status ?? 'none asked for'})`,
    );
  const adapter = adapterFor(carriers, label.carrier);
  if (!adapter.labelFormats.includes(format))
    throw new AppError('CARRIER_UNSUPPORTED', `${label.carrier} offers labels as ${adapter.labelFormats.join(', ')}`, [
      { path: 'query:format', message: 'not offered' },
    ]);
  const result = await adapter.getLabel(
    { reference: returnId, carrierShipmentId: label.carrierShipmentId, trackingNumber: label.trackingNumber ?? null },
    format,
  );
  if (!result.ok)
    throw new AppError(result.error.code, result.error.message, [], {
      carrierMessages: result.error.carrierMessages,
      retryable: result.error.retryable,
    });
  return result.value;
}
