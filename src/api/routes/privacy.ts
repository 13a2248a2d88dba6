import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import { exportPersonalData } from '../../app/privacy/export-personal-data.js';
import { erasePersonalData, erasureInput } from '../../app/privacy/erase-personal-data.js';
import { listErasures } from '../../app/privacy/list-erasures.js';
import { DEFAULT_PRIVACY_POLICY, type PrivacyPolicy } from '../../app/privacy/retention.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 422: problem };
const tags = ['privacy'];

const contact = {
  email: z.string().trim().min(3).max(320).optional().describe("the person's e-mail (any case)"),
  phone: z.string().trim().min(6).max(40).optional().describe("the person's phone (spaces and dashes ignored)"),
};
const subjectBody = z
  .object(contact)
  .strict()
  .refine((b) => b.email || b.phone, { message: 'give an e-mail or a phone', path: ['email'] });
const eraseBody = erasureInput
  .extend(contact)
  .refine((b) => b.email || b.phone, { message: 'give an e-mail or a phone', path: ['email'] });

const personalData = z.object({
  format: z.string().describe('ordo.personal-data/1'),
  generatedAt: z.string(),
  subject: z.object({
    customerIds: z.array(z.string()),
    emails: z.array(z.string()),
    phones: z.array(z.string()),
    orderIds: z.array(z.string()),
    erasures: z.array(z.object({ id: z.string(), at: z.string() })),
  }),
  data: z
    .record(z.string(), z.array(z.record(z.string(), z.unknown())))
    .describe('table → the rows held about the person, columns as stored'),
});
const retained = z.object({
  table: z.string(),
  id: z.string(),
  fields: z.array(z.string()),
  until: z.string(),
  why: z.string(),
});
const erasure = z.object({
  erasureId: z.string(),
  alreadyErased: z.boolean(),
  customerId: z.string().nullable(),
  orders: z.number(),
  erased: z.record(z.string(), z.number()).describe('table → rows changed by this request'),
  retained: z.array(retained).describe('kept for a legal duty, and until when'),
  at: z.string(),
});
const erasureRecord = z.object({
  id: z.string(),
  customerId: z.string().nullable(),
  orders: z.number(),
  reason: z.string(),
  legalBasis: z.string(),
  forced: z.boolean(),
  actor: z.record(z.string(), z.unknown()),
  erased: z.record(z.string(), z.number()),
  retained: z.array(z.record(z.string(), z.unknown())),
  at: z.string(),
});

/** Data-subject requests: export and erase one person's personal data (docs/privacy.md). */
export async function privacyRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const policy = (): PrivacyPolicy =>
    deps.config ? { invoiceRetentionYears: deps.config.privacy.invoiceRetentionYears } : DEFAULT_PRIVACY_POLICY;

  app.get(
    '/customers/:id/personal-data',
    {
      schema: {
        tags,
        summary: 'Everything held about a customer, as JSON (GDPR art. 15/20, 152-ФЗ art. 14 request)',
        description:
          'The customer record, its orders and guest orders with the same e-mail or phone, their history, payments, invoices, shipments, returns, notifications sent, channel and EDI records, events and audit entries.',
        params: idParams,
        response: { 200: personalData, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const store = authorize(deps.db, request, 'privacy:manage').store;
      return exportPersonalData(store, deps.clock.now(), { customerId: request.params.id });
    },
  );

  app.post(
    '/customers/:id(^[0-9a-fA-F-]{36}$)::erase',
    {
      schema: {
        tags,
        summary: "Erase a customer's personal data (GDPR art. 17, 152-ФЗ art. 14/21)",
        description:
          'Pseudonymises the customer and its orders, removes messages and raw channel records, keeps issued invoices with their buyer for the retention period, records the erasure and emits customer.erased. 409 PRIVACY_OPEN_ORDERS while orders are open, unless force is true. Repeating it changes nothing.',
        params: idParams,
        body: erasureInput,
        response: { 200: erasure, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'privacy:manage', async (tx, ctx) => ({
        status: 200,
        body: await erasePersonalData(
          tx,
          ctx.principal.actor,
          deps.clock.now(),
          { customerId: request.params.id },
          request.body,
          policy(),
        ),
      })),
  );

  app.post(
    '/privacy::export',
    {
      schema: {
        tags,
        summary: 'Everything held about a person found by e-mail or phone (guest orders without a customer record)',
        body: subjectBody,
        response: { 200: personalData, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const store = authorize(deps.db, request, 'privacy:manage').store;
      return exportPersonalData(store, deps.clock.now(), { email: request.body.email, phone: request.body.phone });
    },
  );

  app.post(
    '/privacy::erase',
    {
      schema: {
        tags,
        summary: "Erase a person's personal data found by e-mail or phone (customer records and guest orders)",
        body: eraseBody,
        response: { 200: erasure, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'privacy:manage', async (tx, ctx) => {
        const { email, phone, ...input } = request.body;
        return {
          status: 200,
          body: await erasePersonalData(tx, ctx.principal.actor, deps.clock.now(), { email, phone }, input, policy()),
        };
      }),
  );

  app.get(
    '/privacy/erasures',
    {
      schema: {
        tags,
        summary: 'Erasures done: who, when, why and on which legal basis (no personal data)',
        querystring: z.object({ customerId: z.uuid().optional() }).strict(),
        response: { 200: z.object({ items: z.array(erasureRecord) }), ...errors },
      },
    },
    async (request) => listErasures(authorize(deps.db, request, 'privacy:manage').store, request.query.customerId),
  );
}
