import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { isPrivateAddress } from './url-policy.js';

/** One HTTP POST of a webhook: status, latency and a short excerpt of the answer for the log. */
export interface SendResult {
  outcome: 'succeeded' | 'failed' | 'timeout' | 'error';
  statusCode: number | null;
  latencyMs: number;
  excerpt: string | null;
  error: string | null;
}

export interface SendOptions {
  /** Loopback, private and link-local addresses may be reached (ORDO_WEBHOOKS_ALLOW_PRIVATE: tests, on-premise). */
  allowPrivate: boolean;
}

const EXCERPT = 500;
const MAX_READ = 4096;

/** Refused at connect time: the endpoint's name resolves only to addresses webhooks may not reach. */
export class PrivateTargetError extends Error {
  readonly code = 'EPRIVATETARGET';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The resolver the socket connects with when private targets are not allowed: it resolves the
 * name, drops every private address and hands the socket only what is left. The address checked
 * is the address connected to, so a name that changes its answer between a check and the
 * connection (DNS rebinding) gains nothing.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const allowed = addresses.filter((a) => !isPrivateAddress(a.address));
    if (allowed.length === 0)
      return callback(
        new PrivateTargetError(
          `${hostname} resolves to ${addresses.map((a) => a.address).join(', ')}: loopback, private and link-local addresses are not allowed`,
        ),
        [],
      );
    if (options.all) return callback(null, allowed);
    callback(null, allowed[0]!.address, allowed[0]!.family);
  });
}

// Keep-alive pools, one per policy: a socket connected under one policy never serves the other.
const agents = {
  open: { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) },
  guarded: { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) },
};

export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  opts: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const failed = (outcome: 'timeout' | 'error', error: string): SendResult => ({
    outcome,
    statusCode: null,
    latencyMs: ms(),
    excerpt: null,
    error,
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return failed('error', 'the URL is malformed');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return failed('error', `only http and https URLs are allowed, not ${target.protocol}`);
  // an address literal is never looked up: judged here; a name is judged by what it resolves to, as it connects
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!opts.allowPrivate && isIP(literal) && isPrivateAddress(literal))
    return failed('error', `${literal}: loopback, private and link-local addresses are not allowed`);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const { statusCode, excerpt } = await send(target, headers, body, signal, opts);
    const ok = statusCode >= 200 && statusCode < 300;
    return {
      outcome: ok ? 'succeeded' : 'failed',
      statusCode,
      latencyMs: ms(),
      excerpt,
      error: ok ? null : `HTTP ${statusCode}`,
    };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (signal.aborted || err.name === 'TimeoutError' || err.name === 'AbortError')
      return failed('timeout', `no answer within ${timeoutMs} ms`);
    return failed('error', `${err.message}${err.code ? ` (${err.code})` : ''}`);
  }
}

/** One POST without following redirects; reads at most a few KB of the answer. */
function send(
  target: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
  opts: SendOptions,
): Promise<{ statusCode: number; excerpt: string | null }> {
  const protocol = target.protocol as 'http:' | 'https:';
  const client = protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        signal,
        agent: (opts.allowPrivate ? agents.open : agents.guarded)[protocol],
        ...(opts.allowPrivate ? {} : { lookup: publicOnlyLookup as never }),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Ordo-Webhooks/1',
          ...headers,
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        // a receiver that streams a large page must not fill our memory
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const text = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT);
          resolve({ statusCode: res.statusCode ?? 0, excerpt: text || null });
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_READ) {
            res.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', (e) => (size >= MAX_READ ? undefined : reject(e)));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
