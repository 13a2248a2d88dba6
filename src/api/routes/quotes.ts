import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import { quoteList, quoteView } from '../schemas/quotes.js';
import { acceptInput, declineInput, quoteInput, quotesQuery, withdrawInput } from '../../app/quotes/schemas.js';
import { createQuote } from '../../app/quotes/create-quote.js';
import { getQuote, listQuotes } from '../../app/quotes/quote-view.js';
import {
  acceptQuote,
  declineQuote,
  sendQuote,
  withdrawQuote,
  type QuoteCommandContext,
} from '../../app/quotes/quote-commands.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 422: problem };
const tags = ['quotes'];

/**
 * Quotes (issue 17, docs/quotes.md): a quote is an order of type `quote` run by its process
 * (processes/quote-to-order.yaml); these routes are its document API. Its tasks, history and
 * events are the order endpoints' too (/orders/{id}/history, /tasks).
 */
export async function quoteRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();
  const actions = deps.processes.actions;

  app.post(
    '/quotes',
    {
      schema: {
        tags,
        summary: 'Create a quote (a draft with negotiated prices, validity and terms)',
        description:
          "The lines' prices are the negotiated ones and are kept as given, into the sales order. validUntil is an instant or a date (valid through that day in timeZone); by default the channel's settings.quotes.validityDays (30). A quote reserves nothing unless the channel's settings.quotes.softHold is true.",
        body: quoteInput,
        response: { 201: quoteView, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'orders:write', async (tx, ctx) => {
        const at = now();
        const created = await createQuote(deps.processes, tx, ctx.principal.actor, at, request.body);
        return { status: 201, body: await getQuote(actions, tx, created.id, at) };
      }),
  );

  app.get(
    '/quotes',
    {
      schema: {
        tags,
        summary: 'Quotes, newest first, by status and customer',
        querystring: quotesQuery,
        response: { 200: quoteList, ...errors },
      },
    },
    async (request) => listQuotes(authorize(deps.db, request, 'orders:read').store, request.query, now()),
  );

  app.get(
    '/quotes/:id',
    {
      schema: {
        tags,
        summary: 'A quote with its lines, status, validity, terms, tasks and sales order',
        params: idParams,
        response: { 200: quoteView, ...errors },
      },
    },
    async (request, reply) => {
      const quote = await getQuote(actions, authorize(deps.db, request, 'orders:read').store, request.params.id, now());
      etag(reply, quote.version);
      return quote;
    },
  );

  const command = (
    path: string,
    summary: string,
    description: string,
    body: typeof acceptInput | typeof declineInput | typeof withdrawInput | undefined,
    run: (ctx: QuoteCommandContext, id: string, body: any) => Promise<void>,
  ) =>
    app.post(
      // the id's pattern ends the parameter, so `:send` etc. are literal suffixes (POST /quotes/{id}:send)
      `/quotes/:id(^[0-9a-fA-F-]{36})::${path}`,
      {
        schema: {
          tags,
          summary,
          description,
          params: idParams,
          ...(body ? { body } : {}),
          response: { 200: quoteView, ...errors },
        },
      },
      (request, reply) =>
        runCommand(deps, request, reply, 'orders:write', async (tx, ctx) => {
          const at = now();
          const id = (request.params as { id: string }).id;
          await run(
            {
              processes: deps.processes,
              work: tx,
              actor: ctx.principal.actor,
              who: {
                actor: ctx.principal.actor,
                roles: ctx.principal.roles,
                businessRoles: ctx.principal.businessRoles,
                memberId: ctx.principal.memberId,
              },
              now: at,
              expectedVersion: ifMatch(request),
            },
            id,
            request.body ?? {},
          );
          return { status: 200, body: await getQuote(actions, tx, id, at) };
        }),
    );

  command(
    'send',
    'Send a draft quote to the customer',
    'Its process reviews the discount: a deep one (over 10 % on a line in the shipped process) waits for the approval chain (a task) before the quote is sent. 409 QUOTE_EXPIRED when validUntil has passed.',
    undefined,
    (ctx, id) => sendQuote(ctx, id),
  );
  command(
    'accept',
    'Accept a sent quote (the customer’s buyer, or a sales user on their behalf)',
    'Refused with 409 QUOTE_EXPIRED once validUntil has passed (nothing changes). Else the quote is converted in the same transaction: a sales order with its negotiated prices, linked both ways (salesOrder here, attributes.fromQuote on the order); a refused conversion (a credit hold, a SKU no longer sold) leaves the quote accepted with conversionError and a task to retry or decline.',
    acceptInput,
    (ctx, id, body) => acceptQuote(ctx, id, body),
  );
  command('decline', 'Decline a quote, with the reason', 'The customer says no.', declineInput, (ctx, id, body) =>
    declineQuote(ctx, id, body),
  );
  command(
    'withdraw',
    'Withdraw a quote (the seller takes the offer back)',
    'A draft, one waiting for approval, or a sent quote.',
    withdrawInput,
    (ctx, id, body) => withdrawQuote(ctx, id, body),
  );
}
