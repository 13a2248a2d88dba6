import { AppError } from '../../shared/errors.js';
import { transaction, type TenantScope } from '../../store/tenant-scope.js';
import type { EdiMessage } from '../../integrations/edi/edifact.js';
import type { EdiOrder } from '../../integrations/edi/documents.js';
import { ingestEdiOrder, type EdiDeps } from './ingest-order.js';
import { listPartners } from './partners.js';
import { describeProblems, edifactLocate, ublLocate } from './problems.js';

/**
 * Replays an EDI order from the channel ingestion log (the channels console's error queue) after
 * its set-up was fixed (an article mapped, a GLN added): the stored order is mapped again with
 * the partner's current set-up and made through the normal intake.
 */
export async function replayEdiIngestion(
  deps: EdiDeps,
  store: TenantScope,
  partnerId: string,
  entry: { id: string; dedupe_key: string; payload: unknown },
) {
  const payload = entry.payload as { edi: { interchangeId: string; order: EdiOrder }; raw: string };
  const partners = await listPartners(store);
  const partner = partners.find((p) => p.id === partnerId);
  if (!partner) throw new AppError('NOT_FOUND', `EDI partner ${partnerId} not found`);
  const order = payload.edi.order;
  const locate =
    partner.syntax === 'ubl'
      ? ublLocate
      : edifactLocate({ ref: order.messageRef, segments: [] } as unknown as EdiMessage, order);
  const result = await transaction(store, (tx) =>
    ingestEdiOrder(deps, tx, partner, {
      dedupeKey: entry.dedupe_key,
      interchangeId: payload.edi.interchangeId,
      order,
      raw: payload.raw,
      syntaxProblems: [],
      locate,
      replayOf: entry.id,
    }),
  );
  return {
    outcome:
      result.outcome === 'created'
        ? ('created' as const)
        : result.outcome === 'duplicate_order'
          ? ('ignored' as const)
          : ('failed' as const),
    orderId: result.orderId,
    reason: result.problems.length ? describeProblems(result.problems) : null,
  };
}
