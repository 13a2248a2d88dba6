import { sql } from 'kysely';
import { AppError, isAppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { completeTask } from '../process/complete-task.js';
import { actorRef } from '../process/task-common.js';
import { heldBusinessRoles, type TaskActor } from '../process/task-roles.js';
import { loadOrderRow } from '../orders/get-order.js';
import { patchQuoteDocument, type QuoteDocument } from './create-quote.js';
import { quoteDocumentOf, statusOf } from './quote-view.js';
import '../../store/schema-process.js';

/**
 * The quote commands (POST /quotes/{id}:send, :accept, :decline, :withdraw). Each locks the quote,
 * records what the person said in its document (orders.attributes.quote) and history, and moves
 * its process with the matching event, all in the caller's unit of work: a refused event leaves
 * nothing behind. The process decides what is allowed when (409 TRANSITION_NOT_ALLOWED naming
 * the events it accepts); validity is checked here, against the clock, so a quote whose expiry
 * timer has not fired yet is still refused once validUntil has passed.
 */
export interface QuoteCommandContext {
  processes: OrderProcesses;
  work: Work;
  actor: Actor;
  /** The caller as a task actor: permission and business roles, the company member of a portal key. */
  who: TaskActor;
  now: Date;
  expectedVersion?: number | null;
}

async function lockQuote(ctx: QuoteCommandContext, id: string) {
  const row = await loadOrderRow(ctx.work, id, true).catch((error: unknown) => {
    throw error instanceof AppError && error.code === 'NOT_FOUND'
      ? new AppError('NOT_FOUND', `quote ${id} not found`)
      : error;
  });
  if (row.order_type !== 'quote') throw new AppError('NOT_FOUND', `quote ${id} not found (${row.number} is an order)`);
  if (ctx.expectedVersion != null && ctx.expectedVersion !== row.version)
    throw new AppError('VERSION_MISMATCH', `the quote is at version ${row.version}, not ${ctx.expectedVersion}`, [], {
      currentVersion: row.version,
    });
  // a quote posted to POST /orders as orderType quote has no document: no validity, no terms
  return { row, doc: quoteDocumentOf(row.attributes) };
}

function refuseLapsed(ctx: QuoteCommandContext, row: { number: string; state: string }, doc: QuoteDocument | null) {
  const validUntil = doc?.validUntil ?? null;
  if (row.state === 'expired' || (validUntil !== null && Date.parse(validUntil) <= ctx.now.getTime()))
    throw new AppError(
      'QUOTE_EXPIRED',
      `quote ${row.number} was valid until ${validUntil ?? 'it expired'}; it can no longer be sent or accepted`,
      [{ path: '/validUntil', message: `lapsed at ${validUntil ?? 'expiry'}` }],
      { validUntil, quoteStatus: statusOf(row.state) },
    );
}

/** Business roles that may answer a quote for its customer (a phone call, an e-mail). */
const SALES_ROLES = ['sales', 'sales_lead', 'sales_director'];

/**
 * Feeds `event` to the quote's process: through its open task offering that outcome when there
 * is one (so the task records who completed it; the task's role is checked, docs/b2b-companies.md),
 * else as a plain event. The customer's own task (accept, decline) is completed by the company's
 * buyer; a sales user answering for the customer (`onBehalf`, holding a sales role) moves the
 * process with the event itself, and the customer's task closes unanswered by them.
 */
async function move(ctx: QuoteCommandContext, id: string, event: string, comment?: string, onBehalf = false) {
  const task = await ctx.work
    .selectFrom('process_tasks')
    .select(['id'])
    .where('order_id', '=', id)
    .where('state', 'in', ['open', 'claimed'])
    .where(sql<boolean>`${event} = any(options)`)
    .orderBy('id')
    .executeTakeFirst();
  if (task) {
    try {
      await completeTask(ctx.processes.ops, ctx.work, ctx.who, ctx.now, task.id, {
        outcome: event,
        ...(comment ? { comment } : {}),
      });
      return;
    } catch (error) {
      if (!onBehalf || !isAppError(error) || error.code !== 'TASK_MEMBER_REQUIRED') throw error;
      const held = await heldBusinessRoles(ctx.work, ctx.who);
      if (!SALES_ROLES.some((role) => held.has(role))) throw error;
    }
  }
  await ctx.processes.apply(ctx.work, ctx.actor, ctx.now, id, {
    name: event,
    actor: { id: actorRef(ctx.actor), roles: ctx.who.roles },
    ...(comment ? { comment } : {}),
  });
}

/** Sends a draft: its process reviews the discount (an approval chain for a deep one) and sends it. */
export async function sendQuote(ctx: QuoteCommandContext, id: string) {
  const { row, doc } = await lockQuote(ctx, id);
  refuseLapsed(ctx, row, doc);
  await patchQuoteDocument(ctx.work, id, { submittedAt: ctx.now.toISOString() }, ctx.now);
  await move(ctx, id, 'submit');
  // sent now, or only after the approval chain (then its history says when)
  const after = await ctx.work.selectFrom('orders').select('state').where('id', '=', id).executeTakeFirstOrThrow();
  await patchQuoteDocument(ctx.work, id, { sentAt: after.state === 'sent' ? ctx.now.toISOString() : null }, ctx.now);
}

/**
 * The customer accepts (their buyer, or a sales user on their behalf): refused with QUOTE_EXPIRED
 * once validUntil has passed, nothing changed; else the process converts the quote into a sales
 * order in this same transaction.
 */
export async function acceptQuote(
  ctx: QuoteCommandContext,
  id: string,
  input: {
    comment?: string | undefined;
    onBehalfOf?: { name?: string | undefined; email?: string | undefined } | undefined;
  },
) {
  const { row, doc } = await lockQuote(ctx, id);
  refuseLapsed(ctx, row, doc);
  const accepted = {
    at: ctx.now.toISOString(),
    by: actorRef(ctx.actor),
    onBehalfOf: input.onBehalfOf ? { ...input.onBehalfOf } : null,
    comment: input.comment ?? null,
  };
  await patchQuoteDocument(ctx.work, id, { accepted }, ctx.now);
  await writeHistory(ctx.work, ctx.actor, ctx.now, [
    {
      orderId: id,
      action: 'quote.accepted',
      changes: { onBehalfOf: accepted.onBehalfOf, validUntil: doc?.validUntil ?? null },
      reason: { note: input.comment ?? null },
    },
  ]);
  await move(ctx, id, 'accepted', input.comment, true);
}

/** The customer declines, with a reason; a quote whose conversion failed may be declined too. */
export async function declineQuote(ctx: QuoteCommandContext, id: string, input: { reason: string }) {
  const { row } = await lockQuote(ctx, id);
  const declined = { at: ctx.now.toISOString(), by: actorRef(ctx.actor), reason: input.reason };
  await patchQuoteDocument(ctx.work, id, { declined }, ctx.now);
  await writeHistory(ctx.work, ctx.actor, ctx.now, [
    { orderId: id, action: 'quote.declined', changes: { reason: input.reason }, reason: { note: input.reason } },
  ]);
  // the resolution of a failed conversion is `decline`; the customer's answer to a sent quote `declined`
  await move(ctx, id, row.state === 'conversion_exception' ? 'decline' : 'declined', input.reason, true);
}

/** The seller takes the offer back (a draft, one waiting for approval, or a sent one). */
export async function withdrawQuote(ctx: QuoteCommandContext, id: string, input: { reason?: string | undefined }) {
  await lockQuote(ctx, id);
  const withdrawn = { at: ctx.now.toISOString(), by: actorRef(ctx.actor), reason: input.reason ?? null };
  await patchQuoteDocument(ctx.work, id, { withdrawn }, ctx.now);
  await writeHistory(ctx.work, ctx.actor, ctx.now, [
    {
      orderId: id,
      action: 'quote.withdrawn',
      changes: { reason: withdrawn.reason },
      reason: { note: withdrawn.reason },
    },
  ]);
  await move(ctx, id, 'withdraw', input.reason);
}
