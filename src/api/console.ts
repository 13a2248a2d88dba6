import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { sendProblem } from './problem.js';

/** Paths the console never answers: the API and the operator endpoints keep their own 404s. */
const NOT_CONSOLE = /^\/(api|docs|healthz|readyz|metrics)(\/|$|\?)/;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ordo</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Ordo is running</h1>
<p>The API answers at <a href="/api/v1/openapi.json">/api/v1</a> (docs at <a href="/docs">/docs</a>),
but the console has not been built yet.</p>
<p>Build it with <code>npm run build</code> (the console alone: <code>npm run build:web</code>) and reload this page.</p>
</body></html>`;

/**
 * Serves the built console (web/dist) at `/`: files by path, and index.html for any other
 * GET that is not an API path, so the single-page app's own routes survive a reload.
 * Hashed assets are cached for a year; index.html is revalidated on every load so a new
 * build is picked up at once. Files are sent precompressed (brotli, gzip) when the client accepts it.
 */
export async function registerConsole(app: FastifyInstance, distDir: string): Promise<void> {
  const root = resolve(distDir);
  const built = () => existsSync(resolve(root, 'index.html'));
  // preCompressed: a client that accepts br or gzip gets the .br/.gz the build wrote beside each
  // file (scripts/build-web.mjs), with Vary: Accept-Encoding; other files are sent as they are.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = decodeURIComponent(request.url.split('?')[0] ?? '/');
    if (NOT_CONSOLE.test(path)) return sendProblem(reply, 'NOT_FOUND', `no route ${request.method} ${path}`);
    if (!built()) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
    const file = resolve(root, `.${path}`);
    const inside = file.startsWith(root + sep);
    if (inside && existsSync(file) && statSync(file).isFile()) {
      const hashed = path.startsWith('/assets/');
      if (!hashed) reply.header('cache-control', 'no-cache');
      return reply.sendFile(
        file.slice(root.length + 1),
        hashed ? { maxAge: '365d', immutable: true } : { cacheControl: false },
      );
    }
    // A missing asset is a real 404 (a stale tab asking for an old chunk), not the app shell.
    if (path.startsWith('/assets/')) return sendProblem(reply, 'NOT_FOUND', `no file ${path}`);
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  };
  app.get('/', { schema: { hide: true } }, handler);
  app.get('/*', { schema: { hide: true } }, handler);
}
