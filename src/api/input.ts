import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import { findUnstorable, jsonDepthExceeds, MAX_JSON_DEPTH, unstorableText } from '../shared/storable.js';

/**
 * Hostile input stops at the edge, once for every route (issue 20): whatever a schema forgets,
 * a NUL, a lone surrogate or a 5,000-deep body never reaches a recursive walk or PostgreSQL.
 */

/**
 * The JSON body parser: Fastify's own (with its prototype-poisoning checks), after a scan of the
 * raw text for nesting deeper than the limit, and followed by a check that every string and key
 * can be stored. Routes that need the raw bytes (signed webhooks) replace it in their own scope.
 */
export function guardJsonBodies(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text)) {
      const message = `nested deeper than ${MAX_JSON_DEPTH} levels`;
      return done(
        new AppError('VALIDATION_FAILED', `the body is ${message}`, [{ path: '/', message, code: 'too_deep' }]),
        undefined,
      );
    }
    parse(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const bad = findUnstorable(value);
      if (bad)
        return done(
          new AppError('VALIDATION_FAILED', `${bad.path || 'the body'} ${bad.message}`, [
            { path: bad.path || '/', message: bad.message, code: 'invalid_characters' },
          ]),
          undefined,
        );
      done(null, value);
    });
  });
}

/**
 * A preParsing hook: path parameters and query values with a NUL or a lone surrogate are refused
 * before the body is read, whatever the route's schema says about them.
 */
export async function refuseUnstorableUrl(request: FastifyRequest, _reply: FastifyReply, payload: unknown) {
  for (const [where, values] of [
    ['params', request.params],
    ['query', request.query],
  ] as const) {
    if (!values || typeof values !== 'object') continue;
    for (const [key, value] of Object.entries(values)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        const why = unstorableText(key) ?? (typeof v === 'string' ? unstorableText(v) : null);
        if (why)
          throw new AppError('VALIDATION_FAILED', `${where === 'params' ? 'the path' : 'the query'} ${why}`, [
            { path: `${where}:${key}`, message: why, code: 'invalid_characters' },
          ]);
      }
    }
  }
  return payload;
}
