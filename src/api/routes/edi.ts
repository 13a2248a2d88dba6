import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, listQuery, problem, uuid } from '../schemas/common.js';
import { AppError } from '../../shared/errors.js';
import { receiveEdi } from '../../app/edi/receive.js';
import { problemErrors } from '../../app/edi/problems.js';
import { ediMessageContent, listEdiMessages } from '../../app/edi/messages.js';
import { createPartner, getPartner, listPartners, partnerInput } from '../../app/edi/partners.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 415: problem, 422: problem };
const tags = ['edi'];

/** Largest interchange accepted in one request. */
export const MAX_EDI_BYTES = 10 * 1024 * 1024;

const ediProblem = z
  .object({
    code: z
      .string()
      .describe(
        'CONTRL syntax error code (0085): 12 invalid value, 13 missing, 16 too many constituents, 21 invalid character, 23 unknown sender, 26 duplicate, 28 references differ, 29 count differs …',
      ),
    message: z.string(),
    messageRef: z.string().optional(),
    segment: z.string().optional(),
    position: z.number().optional().describe('segment position in its message (UNH = 1)'),
    element: z.number().optional(),
    component: z.number().optional(),
    rule: z.string().optional().describe('Peppol rule id (UBL)'),
    path: z.string().optional().describe('XPath in the UBL document'),
  })
  .meta({ id: 'EdiProblem' });

const receiveReport = z
  .object({
    id: uuid.describe('the received interchange in the EDI log'),
    syntax: z.enum(['edifact', 'ubl']),
    status: z.enum(['accepted', 'partial', 'rejected', 'duplicate', 'generated', 'sent', 'failed']),
    partnerId: uuid.nullable(),
    sender: z.string(),
    controlRef: z.string(),
    messages: z.array(
      z.object({
        ref: z.string(),
        type: z.string(),
        orderNumber: z.string().nullable(),
        outcome: z.enum(['created', 'failed', 'rejected', 'duplicate_order']),
        orderId: uuid.nullable(),
        problems: z.array(ediProblem),
      }),
    ),
    problems: z.array(ediProblem),
    acknowledgement: z.object({ id: uuid, type: z.string(), content: z.string() }).nullable(),
  })
  .meta({ id: 'EdiReceiveReport' });

const messageView = z.object({
  id: uuid,
  partnerId: uuid.nullable(),
  direction: z.enum(['in', 'out']),
  syntax: z.enum(['edifact', 'ubl']),
  type: z.string(),
  controlRef: z.string(),
  sender: z.string(),
  recipient: z.string(),
  documentNumber: z.string().nullable(),
  status: z.string(),
  problems: z.array(ediProblem),
  orderId: uuid.nullable(),
  relatedId: uuid.nullable(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});

const partnerView = z
  .object({
    id: uuid,
    channelId: uuid,
    channel: z.string(),
    syntax: z.enum(['edifact', 'ubl']),
    status: z.enum(['active', 'paused']),
    settings: z.record(z.string(), z.unknown()),
    outboundSeq: z.string(),
  })
  .meta({ id: 'EdiPartner' });

const messagesQuery = z.object({
  direction: z.enum(['in', 'out']).optional(),
  partnerId: uuid.optional(),
  orderId: uuid.optional(),
  type: z.string().max(40).optional(),
  ...listQuery,
});

/**
 * EDI (issue 17, docs/edi.md): partners, interchanges received (EDIFACT ORDERS, UBL Order) with
 * their CONTRL, and the messages Ordo made to send (ORDRSP, DESADV, INVOIC, UBL responses).
 */
export async function ediRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/edi/partners',
    {
      schema: {
        tags,
        summary: 'Set up an EDI partner (EDIFACT or UBL): GLNs, interchange ids, messages, article mapping',
        body: partnerInput,
        response: { 201: partnerView, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'channels:write', async (tx, ctx) => ({
        status: 201,
        body: await createPartner(tx, ctx.principal.actor, deps.clock.now(), request.body),
      })),
  );

  app.get(
    '/edi/partners',
    {
      schema: {
        tags,
        summary: 'EDI partners',
        response: { 200: z.object({ items: z.array(partnerView) }), ...errors },
      },
    },
    async (request) => ({ items: await listPartners(authorize(deps.db, request, 'channels:read').store) }),
  );

  app.get(
    '/edi/partners/:id',
    { schema: { tags, summary: 'One EDI partner', params: idParams, response: { 200: partnerView, ...errors } } },
    async (request) => getPartner(authorize(deps.db, request, 'channels:read').store, request.params.id),
  );

  app.get(
    '/edi/messages',
    {
      schema: {
        tags,
        summary: 'The EDI log: interchanges received and messages made to send, newest first',
        querystring: messagesQuery,
        response: { 200: z.object({ items: z.array(messageView), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => listEdiMessages(authorize(deps.db, request, 'channels:read').store, request.query),
  );

  app.get(
    '/edi/messages/:id/content',
    {
      schema: {
        tags,
        summary: 'A message exactly as received or sent (EDIFACT or XML)',
        params: idParams,
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const message = await ediMessageContent(authorize(deps.db, request, 'channels:read').store, request.params.id);
      return reply
        .header('content-type', message.contentType)
        .header('content-disposition', `attachment; filename="${message.fileName}"`)
        .send(message.content);
    },
  );

  // The interchange is read as bytes: EDIFACT is not JSON, and its character set is the UNB's.
  await app.register(async (inbound) => {
    inbound.removeAllContentTypeParsers();
    inbound.addContentTypeParser(
      ['application/edifact', 'text/plain', 'application/xml', 'text/xml'],
      { parseAs: 'buffer' },
      (_req, body, done) => done(null, body),
    );
    inbound.addContentTypeParser('*', { parseAs: 'buffer' }, (request, _body, done) =>
      done(
        new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `${request.headers['content-type'] ?? 'no content type'}: send application/EDIFACT (or text/plain) for EDIFACT, application/xml for UBL`,
        ),
      ),
    );
    inbound.withTypeProvider<ZodTypeProvider>().post(
      '/edi/messages',
      {
        bodyLimit: MAX_EDI_BYTES,
        schema: {
          tags,
          summary: 'Receive an EDIFACT interchange (ORDERS) or a UBL 2.1 / Peppol Order',
          description:
            "Each message is logged with its outcome (the EDI log and the partner channel's ingestion log), each order made through the normal intake; every EDIFACT interchange gets a CONTRL (in the answer and in GET /edi/messages?direction=out). 200 when orders were made (status accepted or partial) or for a repeated interchange (status duplicate: nothing created); 422 EDI_UNKNOWN_PARTNER for a sender that is not set up, 422 EDI_REJECTED naming each segment and element (or Peppol rule) at fault, nothing created.",
          response: { 200: receiveReport, ...errors },
        },
      },
      async (request) => {
        const store = authorize(deps.db, request, 'orders:import').store;
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const report = await receiveEdi({ processes: deps.processes, clock: deps.clock }, store, body);
        if (report.status !== 'rejected') return report;
        const unknown = report.problems.some((p) => p.code === '23');
        throw new AppError(
          unknown ? 'EDI_UNKNOWN_PARTNER' : 'EDI_REJECTED',
          unknown
            ? report.problems.find((p) => p.code === '23')!.message
            : `the ${report.syntax === 'ubl' ? 'document' : 'interchange'} was rejected: nothing was created`,
          problemErrors(report.problems.length ? report.problems : report.messages.flatMap((m) => m.problems)),
          {
            interchangeId: report.id,
            acknowledgementId: report.acknowledgement?.id ?? null,
            acknowledgement: report.acknowledgement?.content ?? null,
            messages: report.messages,
          },
        );
      },
    );
  });
}
