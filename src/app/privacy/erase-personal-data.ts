import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { emitEvents } from '../events/emit-event.js';
import { findSubject, type SubjectRef } from './find-subject.js';
import { PLACES, rowsOf, updateRow, type EraseContext } from './places.js';
import { invoiceRetainedUntil, type PrivacyPolicy } from './retention.js';

/**
 * Order states after which nothing more happens to the buyer's parcel or money (delivered,
 * or a terminal state of a shipped process): an order in any other state is open.
 */
export const CLOSED_STATES = new Set([
  'delivered',
  'completed',
  'returned',
  'rejected',
  'cancelled',
  'closed',
  'refused',
  'converted',
  'declined',
  'expired',
  'withdrawn',
]);

const LEGAL_BASES = ['gdpr_art17', 'gdpr_art21', 'fz152_art14', 'fz152_art21', 'consent_withdrawn', 'other'] as const;

export const erasureInput = z
  .object({
    reason: z.string().trim().min(1).max(1000).describe('why (the request reference, not the personal data itself)'),
    legalBasis: z
      .enum(LEGAL_BASES)
      .describe(
        'gdpr_art17 (right to erasure), gdpr_art21 (objection), fz152_art14 / fz152_art21 (152-ФЗ: the subject’s demand, end of purpose), consent_withdrawn, other',
      ),
    force: z
      .boolean()
      .optional()
      .describe('erase although orders are still open (they keep running without the buyer’s data)'),
  })
  .strict();
export type ErasureInput = z.infer<typeof erasureInput>;

export interface ErasureOutcome {
  erasureId: string;
  /** true when an earlier erasure already removed everything (nothing changed now). */
  alreadyErased: boolean;
  customerId: string | null;
  orders: number;
  /** table → rows changed now */
  erased: Record<string, number>;
  /** what is kept for a legal duty, and until when */
  retained: Array<{ table: string; id: string; fields: string[]; until: string; why: string }>;
  at: string;
}

/**
 * Erases a data subject's personal data (GDPR art. 17, 152-ФЗ art. 14/21) in one transaction:
 * every place of places.ts is rewritten (names, e-mails, phones, addresses and messages removed
 * or replaced by "[erased]"; amounts, lines, states and the history's actions kept), issued
 * invoices keep their buyer until their retention ends, the erasure is recorded without the
 * personal data, and `customer.erased` goes to the outbox for downstream systems. Refused with
 * PRIVACY_OPEN_ORDERS while an order is still open, unless forced. Idempotent: a repeat that
 * changes nothing records nothing and answers the earlier erasure.
 */
export async function erasePersonalData(
  store: TenantScope,
  actor: Actor,
  now: Date,
  ref: SubjectRef,
  input: ErasureInput,
  policy: PrivacyPolicy,
): Promise<ErasureOutcome> {
  return atomically(store, async (tx) => {
    const subject = await findSubject(tx, ref);
    const open = subject.orderIds.length
      ? await tx
          .selectFrom('orders')
          .select(['id', 'number', 'state'])
          .where('id', 'in', subject.orderIds)
          .orderBy('id')
          .forUpdate()
          .execute()
      : [];
    const openOrders = open.filter((o) => !CLOSED_STATES.has(o.state));
    const liveSubscriptions = subject.subscriptionIds.length
      ? await tx
          .selectFrom('subscriptions')
          .select(['id', 'number', 'state'])
          .where('id', 'in', subject.subscriptionIds)
          .where('state', 'in', ['active', 'paused'])
          .execute()
      : [];
    if ((openOrders.length || liveSubscriptions.length) && !input.force) {
      throw new AppError(
        'PRIVACY_OPEN_ORDERS',
        `${openOrders.length} open order(s) and ${liveSubscriptions.length} live subscription(s): finish or cancel them first, or erase with force and a reason`,
        [],
        {
          orders: openOrders.map((o) => ({ id: o.id, number: o.number, state: o.state })),
          subscriptions: liveSubscriptions.map((s) => ({ id: s.id, number: s.number, state: s.state })),
        },
      );
    }

    const ctx: EraseContext = {
      needles: subject.needles,
      now,
      invoiceRetainedUntil: (issueDate) => invoiceRetainedUntil(issueDate, policy),
      retained: [],
    };
    const erased: Record<string, number> = {};
    for (const place of PLACES) {
      for (const row of await rowsOf(tx.conn, tx.tenantId, place, subject)) {
        const patch = place.erase(row, ctx);
        if (!patch) continue;
        await updateRow(tx.conn, tx.tenantId, place, row, patch);
        erased[place.table] = (erased[place.table] ?? 0) + 1;
      }
    }
    // a subscription left running would make new orders for someone whose data is gone
    for (const sub of liveSubscriptions) {
      await tx
        .updateTable('subscriptions')
        .set({ state: 'cancelled', next_run_at: null, ended_at: now, updated_at: now })
        .where('id', '=', sub.id)
        .execute();
      await tx
        .insertInto('subscription_history', {
          id: newId(),
          subscription_id: sub.id,
          at: now,
          actor_type: actor.type,
          actor_id: actor.id,
          actor_name: actor.name ?? null,
          action: 'cancelled',
          from_state: sub.state,
          to_state: 'cancelled',
          changes: JSON.stringify({}),
          reason: 'personal data erased',
        })
        .execute();
      erased.subscriptions = (erased.subscriptions ?? 0) + 1;
    }

    const customerId = subject.customerIds[0] ?? null;
    const last = subject.previous.at(-1);
    if (Object.keys(erased).length === 0 && last) {
      return {
        erasureId: last.id,
        alreadyErased: true,
        customerId,
        orders: subject.orderIds.length,
        erased,
        retained: ctx.retained,
        at: new Date(last.at).toISOString(),
      };
    }

    const erasureId = newId();
    const previousHashes = subject.previous.length
      ? await tx
          .selectFrom('privacy_erasures')
          .select('subject_hashes')
          .where(
            'id',
            'in',
            subject.previous.map((p) => p.id),
          )
          .execute()
      : [];
    await tx
      .insertInto('privacy_erasures', {
        id: erasureId,
        customer_id: customerId,
        subject_hashes: [...new Set([...subject.hashes, ...previousHashes.flatMap((p) => p.subject_hashes)])],
        order_ids: subject.orderIds,
        reason: input.reason,
        legal_basis: input.legalBasis,
        forced: Boolean(input.force),
        actor: JSON.stringify({ type: actor.type, id: actor.id }),
        erased: JSON.stringify(erased),
        retained: JSON.stringify(ctx.retained),
        at: now,
      })
      .execute();
    // the timeline says why its entries read [erased] (no personal data in the entry itself)
    await writeHistory(
      tx,
      actor,
      now,
      subject.orderIds.map((orderId) => ({
        orderId,
        action: 'personal_data.erased',
        reason: { erasureId, legalBasis: input.legalBasis, forced: Boolean(input.force) },
      })),
    );
    const numbers = subject.orderIds.length
      ? await tx
          .selectFrom('orders')
          .select(['id', 'number'])
          .where('id', 'in', subject.orderIds)
          .orderBy('id')
          .execute()
      : [];
    await emitEvents(tx, [
      {
        type: 'customer.erased',
        subject: customerId ?? erasureId,
        time: now,
        payload: {
          erasureId,
          customerId,
          orderIds: numbers.map((o) => o.id),
          orderNumbers: numbers.map((o) => o.number),
          legalBasis: input.legalBasis,
          erasedAt: now.toISOString(),
          retained: ctx.retained.map((r) => ({ table: r.table, id: r.id, until: r.until })),
        },
      },
    ]);
    return {
      erasureId,
      alreadyErased: false,
      customerId,
      orders: subject.orderIds.length,
      erased,
      retained: ctx.retained,
      at: now.toISOString(),
    };
  });
}
