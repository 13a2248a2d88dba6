import { err, ok } from '../../shared/result.js';
import { carrierError } from './http.js';
import type { CarrierResult, ReturnShipmentRequest, ShipmentRequest } from './types.js';

/** Refuses requests no carrier could accept before any network call, so the reason is ours and clear. */
export function checkRequest<R extends ShipmentRequest | ReturnShipmentRequest>(req: R): CarrierResult<R> {
  const problems: string[] = [];
  if (!req.reference.trim()) problems.push('reference is required');
  if (req.parcels.length === 0) problems.push('at least one parcel is required');
  req.parcels.forEach((parcel, index) => {
    for (const item of ['weightGrams', 'lengthMm', 'widthMm', 'heightMm'] as const) {
      if (!Number.isInteger(parcel[item]) || parcel[item] <= 0)
        problems.push(`parcels[${index}].${item} must be a positive integer`);
    }
  });
  for (const side of ['sender', 'receiver'] as const) {
    const address = req[side];
    if (!/^[A-Z]{2}$/.test(address.countryCode)) problems.push(`${side}.countryCode must be ISO 3166-1 alpha-2`);
    if (!address.name.trim()) problems.push(`${side}.name is required`);
  }
  if ('dropOffPoint' in req && req.dropOffPoint !== undefined && !req.dropOffPoint.trim())
    problems.push('dropOffPoint must not be blank when given');
  if ('cod' in req && req.cod && !/^\d+(\.\d{1,2})?$/.test(req.cod.amount))
    problems.push('cod.amount must be a decimal string like "129.99"');
  if (problems.length) {
    return err(
      carrierError('CARRIER_REJECTED', `invalid shipment request: ${problems.join('; ')}`, { retryable: false }),
    );
  }
  return ok(req);
}
