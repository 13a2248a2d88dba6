import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { atomically, type Work } from '../../store/tenant-scope.js';
import type { Actor } from '../../store/history.js';
import type { StoredEdiProblem } from '../../store/schema-edi.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { createOrder } from '../orders/create-order.js';
import type { EdiOrder } from '../../integrations/edi/documents.js';
import { ediOrderInput, resolveSkus, type Locate } from './map-order.js';
import type { Partner } from './partners.js';
import { describeProblems } from './problems.js';
import '../../store/schema-edi.js';
import '../../store/schema-channels.js';

export interface EdiDeps {
  processes: OrderProcesses;
  clock: Clock;
}

export type MessageOutcome = 'created' | 'failed' | 'rejected' | 'duplicate_order';

export function ediActor(partner: Partner | undefined): Actor {
  return { type: 'system', id: null, name: `edi ${partner?.settings.name ?? 'unknown partner'}` };
}

/**
 * One order message: mapped, then made through the normal intake under its own savepoint, and
 * recorded in the partner's channel ingestion log (created / failed / rejected). A failed one
 * (unknown SKU or GLN, no price) is replayable from the channels console once the set-up is fixed.
 */
export async function ingestEdiOrder(
  deps: EdiDeps,
  tx: Work,
  partner: Partner,
  input: {
    dedupeKey: string;
    interchangeId: string;
    order: EdiOrder;
    raw: string;
    syntaxProblems: StoredEdiProblem[];
    locate: Locate;
    replayOf?: string;
  },
): Promise<{ outcome: MessageOutcome; orderId: string | null; problems: StoredEdiProblem[] }> {
  const now = deps.clock.now();
  const payload = {
    edi: { interchangeId: input.interchangeId, order: input.order, syntax: partner.syntax },
    raw: input.raw,
  };
  let result: { outcome: MessageOutcome; orderId: string | null; problems: StoredEdiProblem[] };
  if (input.syntaxProblems.length) result = { outcome: 'rejected', orderId: null, problems: input.syntaxProblems };
  else result = await applyOrder(deps, tx, partner, input);
  const status =
    result.outcome === 'created' ? 'created' : result.outcome === 'duplicate_order' ? 'ignored' : result.outcome;
  const reason = result.problems.length ? describeProblems(result.problems).slice(0, 2000) : null;
  if (input.replayOf)
    await tx
      .updateTable('channel_ingestions')
      .set((eb) => ({
        status,
        reason,
        order_id: result.orderId,
        via: 'replay' as const,
        attempts: eb('attempts', '+', 1),
        processed_at: now,
      }))
      .where('id', '=', input.replayOf)
      .execute();
  else
    await tx
      .insertInto('channel_ingestions', {
        id: newId(),
        connection_id: partner.id,
        via: 'webhook',
        dedupe_key: input.dedupeKey,
        event_type: partner.syntax === 'edifact' ? 'edi.ORDERS' : 'ubl.Order',
        external_id: input.order.orderNumber || null,
        status,
        reason,
        payload: JSON.stringify(payload),
        order_id: result.orderId,
        received_at: now,
        processed_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'connection_id', 'dedupe_key']).doUpdateSet((eb) => ({
          attempts: eb('channel_ingestions.attempts', '+', 1),
          processed_at: now,
        })),
      )
      .execute();
  return result;
}

async function applyOrder(
  deps: EdiDeps,
  tx: Work,
  partner: Partner,
  input: { interchangeId: string; order: EdiOrder; locate: Locate },
): Promise<{ outcome: MessageOutcome; orderId: string | null; problems: StoredEdiProblem[] }> {
  const sku = await resolveSkus(tx, partner.id, input.order);
  const mapped = ediOrderInput(partner, input.order, sku, input.locate, {
    partnerId: partner.id,
    interchangeId: input.interchangeId,
    messageRef: input.order.messageRef,
  });
  if (!mapped.ok) return { outcome: 'failed', orderId: null, problems: mapped.problems };
  try {
    // its own savepoint: a refused order leaves nothing behind, the log row still commits
    const created = await atomically(tx, (inner) =>
      createOrder(deps.processes, inner, ediActor(partner), deps.clock, mapped.value),
    );
    return { outcome: 'created', orderId: created.id, problems: [] };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'DUPLICATE_ORDER')
      return {
        outcome: 'duplicate_order',
        orderId: typeof error.data.existingId === 'string' ? error.data.existingId : null,
        problems: [
          {
            ...input.locate({}, `order ${input.order.orderNumber} exists already (DUPLICATE_ORDER): not created again`),
            code: '26',
          },
        ],
      };
    return {
      outcome: 'failed',
      orderId: null,
      problems: [
        input.locate({}, `${error.code}: ${error.message}`),
        ...error.errors.map((e) => input.locate({}, `${e.path}: ${e.message}`)),
      ],
    };
  }
}
