/**
 * Replaying a failed 1C entry from the channels' error queue. An order document 1C sent (an
 * order Ordo did not know yet, a payment the ledger refused) is applied again from the document
 * kept in the entry, in place (its status, reason and attempts move on). A file that failed its
 * schema cannot be replayed here: it applied nothing, and 1C sends it again with its next exchange.
 */
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import type { Selectable } from 'kysely';
import type { ChannelIngestionsTable } from '../../store/schema-channels.js';
import type { CmlOrderDocument } from '../../integrations/erp/commerceml/index.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { loadConnection, oneCActor } from './onec-connection.js';
import { applyDocument, Unapplied } from './import-orders.js';

export async function replayOneCEntry(
  deps: { processes: OrderProcesses; clock: Clock },
  store: TenantScope,
  entry: Selectable<ChannelIngestionsTable>,
) {
  const document = (entry.payload as { document?: CmlOrderDocument }).document;
  if (entry.event_type !== 'sale.order' || !document)
    throw new AppError(
      'CONFLICT',
      'a 1C file that failed applied nothing: 1C sends it again with its next exchange (fix the cause, then run the exchange in 1C)',
    );
  const conn = await loadConnection(store, entry.connection_id);
  if (!conn) throw new AppError('NOT_FOUND', `1C connection ${entry.connection_id} not found`);
  const now = deps.clock.now();
  let outcome: { status: 'updated' | 'ignored' | 'failed'; reason: string | null; orderId: string | null };
  try {
    outcome = await atomically(store, async (tx) => {
      const applied = await applyDocument(deps.processes, tx, conn, oneCActor(conn.channelCode), now, document);
      return {
        status: applied.status === 'updated' ? 'updated' : 'ignored',
        reason: applied.reason,
        orderId: applied.orderId,
      };
    });
  } catch (error) {
    if (!(error instanceof Unapplied)) throw error;
    outcome = { status: 'failed', reason: error.message, orderId: null };
  }
  await store
    .updateTable('channel_ingestions')
    .set((eb) => ({
      status: outcome.status,
      reason: outcome.reason,
      order_id: outcome.orderId,
      via: 'replay' as const,
      attempts: eb('attempts', '+', 1),
      processed_at: now,
    }))
    .where('id', '=', entry.id)
    .execute();
  return { id: entry.id, outcome: outcome.status, orderId: outcome.orderId, reason: outcome.reason };
}
