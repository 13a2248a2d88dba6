import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_CODES, type ErrorCode, type FieldError } from '../shared/errors.js';
import { isPrimaryLost } from '../store/failover.js';

/** Retry-After of a DATABASE_UNAVAILABLE answer: a failover takes seconds, not minutes. */
const DATABASE_RETRY_AFTER_SECONDS = 1;

/** The one place where errors become HTTP: RFC 9457 problem+json with a stable code. */
export function sendProblem(
  reply: FastifyReply,
  code: ErrorCode,
  detail: string,
  errors: FieldError[] = [],
  extra: Record<string, unknown> = {},
) {
  const { status, title } = ERROR_CODES[code];
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `https://ordo.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
      title,
      status,
      detail,
      code,
      instance: reply.request.url,
      ...(errors.length ? { errors } : {}),
      ...extra,
    });
}

/** Zod's issue path (["lines", 2, "quantity"]) as a JSON pointer ("/lines/2/quantity"). */
function pointer(where: string, path: string): string {
  const currentPath = path.startsWith('/') || path === '' ? path : `/${path.replaceAll('.', '/')}`;
  return where === 'body' ? currentPath || '/' : `${where}:${currentPath.replace(/^\//, '')}`;
}

export function errorHandler(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    // a limit says when to come back (429: rate, orders per day, storage)
    if (typeof error.data.retryAfter === 'number') reply.header('Retry-After', String(error.data.retryAfter));
    return sendProblem(reply, error.code, error.message, error.errors, error.data);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
    const errors = error.validation.map((v) => ({
      path: pointer(where, v.instancePath),
      message: v.message ?? 'invalid',
      code: String((v.params as { issue?: { code?: string } })?.issue?.code ?? 'invalid'),
    }));
    return sendProblem(reply, 'VALIDATION_FAILED', `${errors.length} field(s) are not valid`, errors);
  }
  const fe = error as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendProblem(reply, 'MALFORMED_JSON', fe.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendProblem(
        reply,
        'PAYLOAD_TOO_LARGE',
        `the body is larger than the ${request.routeOptions.bodyLimit ?? ''} byte limit`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendProblem(reply, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
    case 'FST_ERR_BAD_URL':
      return sendProblem(reply, 'BAD_URL', 'the path is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return sendProblem(reply, 'URI_TOO_LONG', 'a path segment is longer than any id or key this API knows');
  }
  if (fe instanceof SyntaxError || (fe.statusCode === 400 && /JSON/i.test(fe.message)))
    return sendProblem(reply, 'MALFORMED_JSON', fe.message);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode =
      fe.statusCode === 404
        ? 'NOT_FOUND'
        : fe.statusCode === 413
          ? 'PAYLOAD_TOO_LARGE'
          : fe.statusCode === 414
            ? 'URI_TOO_LONG'
            : fe.statusCode === 415
              ? 'UNSUPPORTED_MEDIA_TYPE'
              : fe.statusCode === 429
                ? 'RATE_LIMITED'
                : 'VALIDATION_FAILED';
    return sendProblem(reply, code, fe.message);
  }
  if (isPrimaryLost(error)) {
    // The database server went away (failover, restart) or none is the primary yet. Whether the
    // request's transaction committed may be unknown: the client retries with its Idempotency-Key.
    request.log.warn({ err: error }, 'database unavailable');
    reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    return sendProblem(
      reply,
      'DATABASE_UNAVAILABLE',
      'the database is failing over or unreachable; retry the request after Retry-After seconds, with the same Idempotency-Key',
      [],
      { retryable: true },
    );
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, 'INTERNAL', 'something went wrong on our side; the request id is in the logs', [], {
    requestId: request.id,
  });
}
