import type { Clock } from '../../shared/clock.js';
import type { OrderProcessPort } from '../process/port.js';
import type { CarrierRegistry } from '../../integrations/carriers/index.js';
import type { Actor } from '../../store/history.js';
import { type TenantScope, transaction } from '../../store/tenant-scope.js';
import { createShipment } from './create-shipment.js';
import { handOverShipment } from './hand-over-shipment.js';

/**
 * The one-call path for a packing station: book the shipment at the carrier (consolidating other
 * packed fulfilment orders of the same order if asked) and, when the carrier accepted it, hand it
 * over. A carrier failure returns the failed shipment (the fulfilment order stays packed).
 */
export async function shipFulfilment(
  processes: OrderProcessPort,
  scope: TenantScope,
  carriers: CarrierRegistry | undefined,
  actor: Actor,
  clock: Clock,
  id: string,
  input: { carrier?: string | undefined; service?: string | undefined; consolidateWith?: string[] | undefined },
) {
  const shipment = await createShipment(processes, scope, carriers, actor, clock, {
    fulfilmentOrderIds: [id, ...(input.consolidateWith ?? [])],
    carrier: input.carrier,
    service: input.service,
  });
  if (shipment.status === 'failed' || shipment.status === 'pending') return { ...shipment, processEvent: null };
  return transaction(scope, (tx) => handOverShipment(processes, tx, actor, clock.now(), shipment.id));
}
