import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import { findUnstorable, jsonDepthExceeds, tooDeepError, unstorableError, unstorableText } from '../shared/storable.js';

/**
 * Hostile input stops at the edge, once for every route (issue 20): whatever a schema forgets,
 * a NUL, a lone surrogate or a 5,000-deep body never reaches a recursive walk or PostgreSQL.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The body is an envelope of items the use case checks one by one, each with its own outcome
     * (orders:batch): the parser checks only that it is JSON, so one bad item never fails the rest.
     */
    itemsCheckedOneByOne?: boolean;
  }
}

/**
 * The JSON body parser: Fastify's own (with its prototype-poisoning checks), after a scan of the
 * raw text for nesting deeper than the limit, and followed by a check that every string and key
 * can be stored. Routes that need the raw bytes (signed webhooks) replace it in their own scope.
 */
export function guardJsonBodies(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  // the API speaks JSON: a text/plain body is 415 with what to send, not a string its schema refuses
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    const oneByOne = request.routeOptions.config?.itemsCheckedOneByOne === true;
    // JSON.parse itself is iterative in V8: only what walks the value after it needs the limit
    if (!oneByOne && jsonDepthExceeds(text)) return done(tooDeepError(), undefined);
    parse(request, text, (error, value) => {
      if (error || oneByOne) return done(error, error ? undefined : value);
      const bad = findUnstorable(value);
      if (bad) return done(unstorableError(bad), undefined);
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
      for (const item of Array.isArray(value) ? value : [value]) {
        const why = unstorableText(key) ?? (typeof item === 'string' ? unstorableText(item) : null);
        if (why)
          throw new AppError('VALIDATION_FAILED', `${where === 'params' ? 'the path' : 'the query'} ${why}`, [
            { path: `${where}:${key}`, message: why, code: 'invalid_characters' },
          ]);
      }
    }
  }
  return payload;
}
