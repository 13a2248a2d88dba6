import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { problem } from '../schemas/common.js';
import { AppError } from '../../shared/errors.js';
import { handleExchange } from '../../app/erp/exchange.js';
import { ONEC_SESSION_COOKIE } from '../../app/erp/onec-connection.js';
import { oneCPriceLists } from '../../app/erp/price-lists.js';

/** The largest request body 1C may send (a chunk; the connection's file_limit is at most this). */
const MAX_EXCHANGE_BODY = 100 * 1024 * 1024 + 1024;

const exchangeQuery = z
  .object({
    type: z.string().max(20).optional().describe('catalog (products, prices, stock) or sale (orders)'),
    mode: z
      .string()
      .max(20)
      .optional()
      .describe('checkauth, init, file, import, query, success (deactivate, complete are answered success)'),
    filename: z.string().max(300).optional().describe('mode=file and mode=import: the file, a relative path'),
  })
  .loose();

const protocolAnswer = z
  .string()
  .describe(
    'text/plain: "success", "progress" or "failure" on the first line, then the cookie (checkauth), the limits (init) or the reason; mode=query answers CommerceML XML in the connection\'s encoding',
  );

function cookieOf(request: FastifyRequest): string | undefined {
  const fromParser = (request.cookies as Record<string, string | undefined> | undefined)?.[ONEC_SESSION_COOKIE];
  if (fromParser) return fromParser;
  const header = request.headers.cookie ?? '';
  const match = new RegExp(`(?:^|;\\s*)${ONEC_SESSION_COOKIE}=([^;]+)`).exec(header);
  return match?.[1];
}

/**
 * The 1C exchange ("обмен с сайтом", CommerceML 2), Ordo being the site: 1C:Enterprise calls
 * this one address with ?type=&mode= and its own HTTP Basic login (the 1C connection's
 * credentials), then the session cookie. Answers are the protocol's plain text; only misuse
 * outside it (no type, an unknown mode) is a problem+json.
 */
export async function erpRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  await base.register(async (app) => {
    // 1C's files are read as the bytes sent (windows-1251 or UTF-8, chunked): no parsing here
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const channels = deps.channels;
      if (!channels) throw new AppError('NOT_FOUND', 'channels (and so the 1C exchange) are not configured here');
      const query = request.query as z.infer<typeof exchangeQuery>;
      const answer = await handleExchange(
        {
          db: deps.db,
          clock: deps.clock,
          processes: deps.processes,
          services: channels,
          priceLists: oneCPriceLists,
        },
        {
          type: query.type,
          mode: query.mode,
          filename: query.filename,
          authorization: request.headers.authorization,
          session: cookieOf(request),
          body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        },
      );
      if (answer.cookie)
        void reply.header(
          'set-cookie',
          `${answer.cookie.name}=${answer.cookie.value}; Path=/api/v1/exchange/1c; HttpOnly`,
        );
      return reply.code(answer.status).type(answer.contentType).send(answer.body);
    };
    const schema = {
      tags: ['erp'],
      security: [],
      querystring: exchangeQuery,
      // 401: the protocol's `failure` for a wrong 1C login, a problem for a wrong API key
      response: { 200: protocolAnswer, 400: problem, 401: z.union([protocolAnswer, problem]), 404: problem },
    };
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.get(
      '/exchange/1c',
      { schema: { ...schema, summary: '1C exchange (CommerceML 2): checkauth, init, query, success' } },
      handler,
    );
    typed.post(
      '/exchange/1c',
      {
        bodyLimit: MAX_EXCHANGE_BODY,
        schema: {
          ...schema,
          summary: '1C exchange (CommerceML 2): file (the body is the file or a chunk of it), import',
        },
      },
      handler,
    );
  });
}
