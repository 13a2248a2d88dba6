import { isAppError } from '../../shared/errors.js';
import { annotate, annotateOrder, inSpan } from '../../shared/tracing.js';
import type { ProcessEvent } from '../../process/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { atomically, type Work } from '../../store/tenant-scope.js';
import {
  applyOrderEvent,
  sendOrderEvent,
  type ApplyOptions,
  type ApplyResult,
  type SentOrderEvent,
} from './apply-order-event.js';
import type { Operations } from './operation.js';
import type { OrderProcessPort } from './port.js';
import { startOrderProcess, type StartContext, type StartOutcome } from './start-order-process.js';

/**
 * The process engine as the rest of Ordo sees it, bound to the operations wired in this process:
 * intake starts processes, commands and timers apply events, and capabilities feed facts through
 * the port. Built once by the composition root.
 */
export class OrderProcesses implements OrderProcessPort {
  constructor(readonly ops: Operations) {}

  get actions() {
    return this.ops.actions;
  }

  start(tx: Work, actor: Actor, now: Date, orderId: string, pre: StartContext): Promise<StartOutcome> {
    return inSpan('ordo.process.start', { 'ordo.order_id': orderId, 'ordo.tenant_id': tx.tenantId }, async () => {
      annotateOrder(orderId, tx.tenantId);
      const outcome = await startOrderProcess(this.ops, tx, actor, now, orderId, pre);
      if (outcome.started)
        annotate({
          'ordo.process.key': outcome.key,
          'ordo.process.version': outcome.version,
          'ordo.process.state': outcome.state,
        });
      return outcome;
    });
  }

  apply(
    tx: Work,
    actor: Actor,
    now: Date,
    orderId: string,
    event: ProcessEvent,
    opts: ApplyOptions = {},
  ): Promise<ApplyResult | null> {
    return this.traced(tx, orderId, event, () => applyOrderEvent(this.ops, tx, actor, now, orderId, event, opts));
  }

  /** apply, with the statement saving the order sent ahead: the saved order comes with `result` (sendOrderEvent). */
  send(
    tx: Work,
    actor: Actor,
    now: Date,
    orderId: string,
    event: ProcessEvent,
    opts: ApplyOptions = {},
  ): Promise<SentOrderEvent | null> {
    return this.traced(tx, orderId, event, () => sendOrderEvent(this.ops, tx, actor, now, orderId, event, opts));
  }

  private traced<T extends { from: string; state: string } | null>(
    tx: Work,
    orderId: string,
    event: ProcessEvent,
    step: () => Promise<T>,
  ): Promise<T> {
    return inSpan(
      'ordo.process.apply',
      { 'ordo.order_id': orderId, 'ordo.tenant_id': tx.tenantId, 'ordo.process.event': event.name },
      async () => {
        annotateOrder(orderId, tx.tenantId);
        const result = await step();
        if (result) annotate({ 'ordo.process.from_state': result.from, 'ordo.process.state': result.state });
        return result;
      },
    );
  }

  /**
   * A fact from a location or carrier is true whatever the process expects, so an event the current
   * state does not accept (or an order without a process) is recorded in the history instead of
   * failing the caller; the savepoint keeps a refused event from leaving half its writes behind.
   */
  async feed(tx: Work, actor: Actor, now: Date, orderId: string, name: string, data: Record<string, unknown> = {}) {
    try {
      const result = await atomically(tx, (inner) =>
        this.apply(inner, actor, now, orderId, { name, data }, { action: 'process.event' }),
      );
      return { accepted: true, ...(result ? { state: result.state } : {}) };
    } catch (error) {
      if (!isAppError(error) || error.code !== 'TRANSITION_NOT_ALLOWED') throw error;
      await writeHistory(tx, actor, now, [
        {
          orderId,
          action: 'fulfilment.event_not_accepted',
          changes: { event: name, data },
          reason: { note: error.message, allowed: error.data.allowed ?? [] },
        },
      ]);
      return { accepted: false };
    }
  }
}
