import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { runCommand, runOwnTransactionCommand } from '../command.js';
import { code, idParams, problem } from '../schemas/common.js';
import {
  creditPosition as creditPositionView,
  invoiceView as invoiceSchema,
  notificationOutcome,
  orderPayments,
  paymentResult,
  refundResult,
  remittanceView,
  revenueView,
  sellerView as sellerSchema,
} from '../schemas/money.js';
import {
  addPaymentInput,
  captureInput,
  creditHoldInput,
  creditNoteInput,
  issueInvoiceInput,
  refundInput,
  remittanceInput,
  revenueQuery,
  sellerInput,
  settleOperationInput,
  voidInput,
} from '../../app/money/schemas.js';
import { recordRefusal, type RefusedRequest } from '../../app/money/refusals.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { PaymentProviders } from '../../app/money/execute-payment-operation.js';
import { receivePaymentNotification } from '../../app/money/receive-notification.js';
import { invoiceView } from '../../app/money/invoice-rows.js';
import { issueCreditNote } from '../../app/money/issue-credit-note.js';
import { issueInvoice } from '../../app/money/issue-invoice.js';
import { invoiceKsefXml, invoicePdf, invoiceUpd } from '../../app/money/invoice-documents.js';
import { parseAmount } from '../../app/money/payment-rows.js';
import {
  getInvoice,
  invoiceCurrency,
  orderInvoices,
  orderPayments as orderPaymentsView,
  requestAddPayment,
  requestCapture,
  requestRefund,
  requestSettle,
  requestVoid,
} from '../../app/money/payment-requests.js';
import { listSellers, putSeller } from '../../app/money/sellers.js';
import { creditPosition, setCreditHold } from '../../app/money/credit.js';
import { getRemittance, importRemittance, remittanceRowsFromCsv } from '../../app/money/cod-remittance.js';
import { revenueReport } from '../../app/money/revenue.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 422: problem };
const tags = ['money'];
/** A provider operation requested by a person is carried out right after its commit; the job retries it from then on. */
const JOB_BACKSTOP_MS = 60_000;

/**
 * Money (issue 14): payments per order (provider payments with their notifications, cash on
 * delivery, transfers, gift cards), refunds, invoices and credit notes with their PDF and
 * statutory XML, sellers and numbering series, company credit and holds, COD remittances, and
 * revenue figures.
 */
export async function moneyRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();
  const providers: PaymentProviders = deps.payments ?? new Map();
  const execDeps = { providers, processes: deps.processes, clock: deps.clock, publicUrl: deps.config?.http.publicUrl };
  const reqDeps = { ...execDeps, backstopMs: JOB_BACKSTOP_MS };
  const moneyCtx = (
    tx: Parameters<Parameters<typeof runCommand>[4]>[0],
    actor: Parameters<typeof issueInvoice>[0]['actor'],
  ) => ({
    tx,
    actor,
    now: now(),
    processes: deps.processes,
  });

  // A refused money request changes nothing, but its attempt is kept in the order's history
  // (after the refused transaction rolled back): which request, on what, the code and reason.
  const refusable: Record<string, (id: string) => Omit<RefusedRequest, 'request'>> = {
    '/orders/:id/payments': (id) => ({ action: 'add_payment', orderId: id }),
    '/payments/:id/capture': (id) => ({ action: 'capture', paymentId: id }),
    '/payments/:id/void': (id) => ({ action: 'void', paymentId: id }),
    '/orders/:id/refunds': (id) => ({ action: 'refund', orderId: id }),
    '/payment-operations/:id/confirm': (id) => ({ action: 'confirm_operation', operationId: id }),
    '/orders/:id/invoices': (id) => ({ action: 'issue_invoice', orderId: id }),
    '/invoices/:id/credit-notes': (id) => ({ action: 'credit_note', invoiceId: id }),
  };
  app.addHook('onError', async (request, _reply, error) => {
    const url = request.routeOptions.url?.replace(/^\/api\/v1/, '') ?? '';
    const what = request.method === 'POST' ? refusable[url] : undefined;
    const id = (request.params as { id?: string } | undefined)?.id;
    if (!what || !id || !request.principal) return;
    const store = authorize(deps.db, request, 'payments:read').store;
    await recordRefusal(
      store,
      request.principal.actor,
      now(),
      { ...what(id), request: request.body as Record<string, unknown> },
      error,
    ).catch((failure: unknown) =>
      request.log.warn({ err: failure }, 'the refused money request could not be recorded'),
    );
  });

  app.get(
    '/orders/:id/payments',
    {
      schema: {
        tags,
        summary: "The order's payments, their operations and its payment status",
        params: idParams,
        response: { 200: orderPayments, ...errors },
      },
    },
    async (request) => orderPaymentsView(authorize(deps.db, request, 'payments:read').store, request.params.id),
  );

  app.post(
    '/orders/:id/payments',
    {
      schema: {
        tags,
        summary: 'Add a payment: created at a provider, or registered as it happened elsewhere',
        description:
          "With `provider` and no `providerPaymentId` Ordo creates the payment at the provider (its id is the idempotency key) and answers 202 while it is under way; the provider's redirect URL is on the payment. With `providerPaymentId` (a shop's checkout) or without a provider (cash, transfer, gift card) the payment is recorded as `status` says, and the order's process hears payment_authorized or payment_captured.",
        params: idParams,
        body: addPaymentInput,
        response: { 200: paymentResult, 201: paymentResult, 202: paymentResult, ...errors },
      },
    },
    (request, reply) =>
      runOwnTransactionCommand(deps, request, reply, 'payments:write', (store, ctx) =>
        requestAddPayment(reqDeps, store, ctx.principal.actor, request.params.id, request.body),
      ),
  );

  app.post(
    '/payments/:id/capture',
    {
      schema: {
        tags,
        summary: 'Capture a payment (all or part of its authorisation), or record the money received',
        params: idParams,
        body: captureInput,
        response: { 200: paymentResult, 202: paymentResult, ...errors },
      },
    },
    (request, reply) =>
      runOwnTransactionCommand(deps, request, reply, 'payments:write', (store, ctx) =>
        requestCapture(reqDeps, store, ctx.principal.actor, request.params.id, request.body),
      ),
  );

  app.post(
    '/payments/:id/void',
    {
      schema: {
        tags,
        summary: 'Release what is authorised and not captured',
        params: idParams,
        body: voidInput,
        response: { 200: paymentResult, 202: paymentResult, ...errors },
      },
    },
    (request, reply) =>
      runOwnTransactionCommand(deps, request, reply, 'payments:write', (store, ctx) =>
        requestVoid(reqDeps, store, ctx.principal.actor, request.params.id, request.body.reason),
      ),
  );

  app.post(
    '/orders/:id/refunds',
    {
      schema: {
        tags,
        summary: 'Refund an amount or lines through the payments that took the money',
        description:
          'Never more than was captured and not refunded (REFUND_EXCEEDS_CAPTURED). Spread over the payments, newest first. A payment without a provider waits for POST /payment-operations/{id}/confirm unless `paidOut` says the money went back already.',
        params: idParams,
        body: refundInput,
        response: { 200: refundResult, 202: refundResult, ...errors },
      },
    },
    (request, reply) =>
      runOwnTransactionCommand(deps, request, reply, 'payments:write', (store, ctx) =>
        requestRefund(reqDeps, store, ctx.principal.actor, request.params.id, request.body),
      ),
  );

  app.post(
    '/payment-operations/:id/confirm',
    {
      schema: {
        tags,
        summary: 'Confirm (or fail) an operation Ordo cannot see happen: a refund paid back by hand',
        params: idParams,
        body: settleOperationInput,
        response: { 200: paymentResult, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'payments:write', async (tx, ctx) => ({
        status: 200,
        body: await requestSettle(reqDeps, tx, ctx.principal.actor, request.params.id, request.body),
      })),
  );

  // Providers sign the raw bytes: the body is kept as it came for the adapter to verify.
  await app.register(async (inbound) => {
    inbound.removeContentTypeParser('application/json');
    inbound.addContentTypeParser(
      ['application/json', 'application/x-www-form-urlencoded', 'text/plain'],
      { parseAs: 'buffer' },
      (_req, body, done) => done(null, body),
    );
    inbound.withTypeProvider<ZodTypeProvider>().post(
      '/payments/notifications/:provider',
      {
        bodyLimit: 512 * 1024,
        schema: {
          tags,
          summary: "A payment provider's notification (Stripe, PayU, Przelewy24, YooKassa)",
          security: [],
          description:
            "No API key: verified with the provider's own scheme (Stripe-Signature, OpenPayu-Signature, the P24 sign, a YooKassa read-back). A bad signature is 401 SIGNATURE_INVALID, a payment Ordo does not know 422 UNKNOWN_PAYMENT; a redelivered notification is counted as a duplicate and changes nothing.",
          params: z.object({ provider: code }),
          response: { 200: notificationOutcome, ...errors },
        },
      },
      async (request) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.from('');
        return receivePaymentNotification({ ...execDeps, db: deps.db, log: request.log }, request.params.provider, {
          body,
          headers: request.headers,
          remoteAddress: request.ip,
        });
      },
    );
  });

  app.get(
    '/orders/:id/invoices',
    {
      schema: {
        tags,
        summary: "The order's invoices, proformas and credit notes",
        params: idParams,
        response: { 200: z.object({ items: z.array(invoiceSchema) }), ...errors },
      },
    },
    async (request) => orderInvoices(authorize(deps.db, request, 'payments:read').store, request.params.id),
  );

  app.post(
    '/orders/:id/invoices',
    {
      schema: {
        tags,
        summary: 'Issue the invoice (or a proforma), for the order or for one shipment',
        description:
          'Numbered gap-free per seller, series and year inside the issuing transaction. Issuing again what is invoiced already answers the existing invoice (200). A cancelled order is 409 INVOICE_NOT_ALLOWED.',
        params: idParams,
        body: issueInvoiceInput,
        response: { 200: invoiceSchema, 201: invoiceSchema, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'invoices:write', async (tx, ctx) => {
        const invoice = await issueInvoice(moneyCtx(tx, ctx.principal.actor), request.params.id, request.body);
        return { status: invoice.existing ? 200 : 201, body: invoiceView(invoice) };
      }),
  );

  app.get(
    '/invoices/:id',
    {
      schema: {
        tags,
        summary: 'One invoice or credit note',
        params: idParams,
        response: { 200: invoiceSchema, ...errors },
      },
    },
    async (request) => getInvoice(authorize(deps.db, request, 'payments:read').store, request.params.id),
  );

  app.post(
    '/invoices/:id/credit-notes',
    {
      schema: {
        tags,
        summary: 'Issue a credit note (korekta) against an invoice: lines taken back or an amount',
        params: idParams,
        body: creditNoteInput,
        response: { 201: invoiceSchema, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'invoices:write', async (tx, ctx) => {
        const currency = await invoiceCurrency(tx, request.params.id);
        const body = request.body;
        const note = await issueCreditNote(moneyCtx(tx, ctx.principal.actor), request.params.id, {
          reason: body.reason,
          lines: body.lines,
          amount: body.amount === undefined ? undefined : parseAmount(body.amount, currency, '/amount'),
        });
        return { status: 201, body: invoiceView(note) };
      }),
  );

  const file = (
    path: string,
    summary: string,
    type: string,
    load: (scope: TenantScope, id: string) => Promise<{ body: Buffer | string; name: string }>,
  ) =>
    app.get(
      path,
      { schema: { tags, summary, params: idParams, response: { 200: z.any(), ...errors } } },
      async (request, reply) => {
        const store = authorize(deps.db, request, 'payments:read').store;
        const out = await load(store, request.params.id);
        return reply
          .type(type)
          .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(out.name)}`)
          .send(out.body);
      },
    );
  file('/invoices/:id/pdf', 'The invoice as a PDF (the seller’s language)', 'application/pdf', async (scope, id) => {
    const rendered = await invoicePdf(scope, id);
    return { body: rendered.data, name: rendered.fileName };
  });
  file(
    '/invoices/:id/ksef.xml',
    'The KSeF FA(3) XML of the invoice',
    'application/xml; charset=utf-8',
    async (scope, id) => {
      const rendered = await invoiceKsefXml(scope, id);
      return { body: rendered.xml, name: rendered.fileName };
    },
  );
  file(
    '/invoices/:id/upd.xml',
    'The УПД (ФНС 5.02, windows-1251) of the invoice',
    'application/xml; charset=windows-1251',
    async (scope, id) => {
      const rendered = await invoiceUpd(scope, id);
      return { body: rendered.bytes, name: rendered.fileName };
    },
  );

  app.get(
    '/sellers',
    {
      schema: {
        tags,
        summary: 'Sellers (legal entities on invoices) and their series',
        response: { 200: z.object({ items: z.array(sellerSchema) }), ...errors },
      },
    },
    async (request) => ({ items: await listSellers(authorize(deps.db, request, 'payments:read').store) }),
  );
  app.put(
    '/sellers/:code',
    {
      schema: {
        tags,
        summary: 'Create or replace a seller',
        params: z.object({ code }),
        body: sellerInput,
        response: { 200: sellerSchema, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'invoices:write', async (tx, ctx) => ({
        status: 200,
        body: await putSeller(tx, ctx.principal.actor, now(), request.params.code, request.body),
      })),
  );

  app.get(
    '/companies/:id/credit',
    {
      schema: {
        tags,
        summary: "A company's credit: limit, exposure, overdue invoices, holds",
        params: idParams,
        response: { 200: creditPositionView, ...errors },
      },
    },
    async (request) => creditPosition(authorize(deps.db, request, 'payments:read').store, request.params.id),
  );
  for (const [path, hold, summary] of [
    ['/companies/:id/credit-hold', true, 'Put the company on credit hold (its orders wait for finance)'],
    ['/companies/:id/credit-hold/release', false, 'Release the credit hold'],
  ] as const)
    app.post(
      path,
      {
        schema: {
          tags,
          summary,
          params: idParams,
          body: creditHoldInput,
          response: { 200: creditPositionView, ...errors },
        },
      },
      (request, reply) =>
        runCommand(deps, request, reply, 'credit:write', async (tx, ctx) => ({
          status: 200,
          body: await setCreditHold(tx, ctx.principal.actor, now(), request.params.id, hold, request.body.reason),
        })),
    );

  app.post(
    '/cod-remittances',
    {
      bodyLimit: 25 * 1024 * 1024,
      schema: {
        tags,
        summary: "Import a carrier's cash-on-delivery remittance report (rows or CSV)",
        description:
          'Each row is matched by tracking number to its shipment and the COD collected; a difference, a duplicate, an unknown shipment or a non-COD order is reported per row, and an order gets a finance task. COD collected more than `missingAfterDays` ago and never remitted opens a task too. A report is imported once per carrier and reference; a report with an invalid row is refused whole, with every bad row named.',
        body: remittanceInput,
        response: { 201: remittanceView, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'credit:write', async (tx, ctx) => {
        const body = request.body;
        const rows = body.rows ?? remittanceRowsFromCsv(body.csv ?? '');
        return {
          status: 201,
          body: await importRemittance(tx, ctx.principal.actor, now(), { ...body, rows }),
        };
      }),
  );
  app.get(
    '/cod-remittances/:id',
    {
      schema: {
        tags,
        summary: 'A remittance report with the outcome of every row',
        params: idParams,
        response: { 200: remittanceView, ...errors },
      },
    },
    async (request) => getRemittance(authorize(deps.db, request, 'payments:read').store, request.params.id),
  );

  app.get(
    '/reports/revenue',
    {
      schema: {
        tags,
        summary: 'Paid, refunded, outstanding and overdue money by channel and period',
        querystring: revenueQuery,
        response: { 200: revenueView, ...errors },
      },
    },
    async (request) =>
      revenueReport(authorize(deps.db, request, 'payments:read').store, {
        from: new Date(request.query.from),
        to: new Date(request.query.to),
        groupBy: request.query.groupBy,
        timeZone: request.query.timeZone,
        channel: request.query.channel,
        location: request.query.location,
      }),
  );
}
