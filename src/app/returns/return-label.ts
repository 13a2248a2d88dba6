import type { Clock } from '../../shared/clock.js';
import { supportsReturns, type CarrierRegistry, type Parcel } from '../../integrations/carriers/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { JobDefinition } from '../events/timers.js';
import type { OrderProcessPort } from '../process/port.js';
import { carrierAddress } from '../fulfilment/shipment-common.js';
import '../../store/schema-returns.js';

/** The job that asks the carrier for a return label (keyed `return-label:<returnId>`). */
export const RETURN_LABEL_JOB = 'return.label';

const actorOf = (carrier: string): Actor => ({ type: 'system', id: null, name: `carrier:${carrier}` });

/** One parcel per return, sized by the products' weights and the largest dimensions known (defaults when unknown). */
const DEFAULT_PARCEL: Parcel = { weightGrams: 1000, lengthMm: 300, widthMm: 200, heightMm: 100 };

/**
 * Carries out `issue_return_label`: builds the request (sender = the customer's address, receiver =
 * the receiving location), calls the carrier with the return id as its idempotency reference, stores
 * the tracking number, and feeds `label_issued` or, when the carrier refuses or cannot issue return
 * labels, `label_failed` with the reason. Transient failures are retried by the job runner.
 */
export function returnLabelJob(deps: {
  carriers: CarrierRegistry | undefined;
  processes: OrderProcessPort;
  clock: Clock;
}): JobDefinition {
  return {
    kind: RETURN_LABEL_JOB,
    async run({ tx, job }) {
      const returnId = String(job.payload.returnId);
      const now = deps.clock.now();
      const ret = await tx
        .selectFrom('returns')
        .innerJoin('orders', (j) =>
          j.onRef('orders.tenant_id', '=', 'returns.tenant_id').onRef('orders.id', '=', 'returns.id'),
        )
        .select([
          'returns.id',
          'returns.label',
          'returns.drop_off',
          'returns.receiving_location_id',
          'orders.number',
          'orders.shipping_address',
          'orders.customer_name',
          'orders.customer_email',
        ])
        .where('returns.id', '=', returnId)
        .forUpdate()
        .executeTakeFirst();
      if (!ret) return;
      const label = (ret.label ?? {}) as { status?: string; carrier?: string; service?: string };
      if (label.status !== 'requested' || !label.carrier) return;
      const carrier = label.carrier;
      const fail = async (reason: string) => {
        await tx
          .updateTable('returns')
          .set({ label: JSON.stringify({ ...label, status: 'failed', error: reason }), updated_at: now })
          .where('id', '=', returnId)
          .execute();
        await deps.processes.feed(tx, actorOf(carrier), now, returnId, 'label_failed', { carrier, reason });
      };
      const adapter = deps.carriers?.get(carrier);
      if (!adapter) return fail(`carrier ${carrier} is not configured`);
      if (!supportsReturns(adapter)) return fail(`carrier ${carrier} does not issue return labels`);
      if (!ret.receiving_location_id) return fail('the return has no receiving location');
      const loc = await tx
        .selectFrom('locations')
        .select(['name', 'address', 'country'])
        .where('id', '=', ret.receiving_location_id)
        .executeTakeFirstOrThrow();
      const weights = await tx
        .selectFrom('return_lines')
        .innerJoin('products', (j) =>
          j
            .onRef('products.tenant_id', '=', 'return_lines.tenant_id')
            .onRef('products.id', '=', 'return_lines.product_id'),
        )
        .select(['return_lines.quantity', 'products.weight_g'])
        .where('return_lines.return_id', '=', returnId)
        .execute();
      const grams = weights.reduce((a, w) => a + (w.weight_g ?? 0) * w.quantity, 0);
      const dropOff = ret.drop_off as { point?: string };
      const result = await adapter.createReturnShipment({
        reference: returnId,
        sender: carrierAddress(
          {
            ...(ret.customer_email ? { email: ret.customer_email } : {}),
            ...((ret.shipping_address ?? {}) as Record<string, unknown>),
          },
          ret.customer_name ?? ret.number,
        ),
        receiver: carrierAddress(
          { country: loc.country, ...(loc.address as Record<string, unknown>), company: loc.name },
          loc.name,
        ),
        parcels: [{ ...DEFAULT_PARCEL, ...(grams > 0 ? { weightGrams: grams } : {}), reference: ret.number }],
        ...(label.service ? { service: label.service } : {}),
        ...(dropOff.point ? { dropOffPoint: dropOff.point } : {}),
        comment: `return ${ret.number}`,
      });
      if (!result.ok) {
        const err = result.error;
        if (err.retryable && job.attempts + 1 < 8) throw new Error(`${carrier}: ${err.message}`);
        return fail(`${carrier} refused the return label: ${err.message}`);
      }
      const created = result.value;
      await tx
        .updateTable('returns')
        .set({
          label: JSON.stringify({
            ...label,
            status: 'issued',
            carrierShipmentId: created.carrierShipmentId,
            trackingNumber: created.trackingNumber,
            reference: created.reference,
          }),
          updated_at: now,
        })
        .where('id', '=', returnId)
        .execute();
      await writeHistory(tx, actorOf(carrier), now, [
        {
          orderId: returnId,
          action: 'return.label_issued',
          changes: { carrier, trackingNumber: created.trackingNumber },
        },
      ]);
      await deps.processes.feed(tx, actorOf(carrier), now, returnId, 'label_issued', {
        carrier,
        trackingNumber: created.trackingNumber,
      });
    },
  };
}
