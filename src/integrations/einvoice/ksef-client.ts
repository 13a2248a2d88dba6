/**
 * KSeF 2.0 API adapter: authenticate with a KSeF token, open an online (interactive) session,
 * send FA(3) invoices, read their status and KSeF number, download the UPO, close the session.
 *
 * Crypto as the API requires it: the KSeF token (with the challenge timestamp) is encrypted
 * with RSA-OAEP/SHA-256 under the Ministry's "KsefTokenEncryption" certificate; each session
 * gets a fresh AES-256 key and IV, the key wrapped with RSA-OAEP/SHA-256 under the
 * "SymmetricKeyEncryption" certificate; each invoice is sent AES-256-CBC/PKCS#7 encrypted with
 * the SHA-256 of both the plain and the encrypted bytes.
 *
 * Expected failures (refusals, outages, timeouts, garbage) are values; only bugs throw. A send
 * whose answer was lost is flagged outcomeUnknown: the invoice may be in KSeF, and
 * findInvoiceByHash looks it up by the hash the caller already knows (invoiceHash).
 */
import { createCipheriv, createHash, publicEncrypt, randomBytes, constants, X509Certificate } from 'node:crypto';
import type { z } from 'zod';
import { err, ok } from '../../shared/result.js';
import { describeIssues } from '../describe-issues.js';
import {
  authInit,
  authStatus,
  certificates,
  challengeResponse,
  invoiceSent,
  invoiceStatus,
  ksefError,
  sessionInvoices,
  sessionOpened,
  statusError,
  tokens,
  type KsefResult,
  type Res,
} from './ksef-api.js';
import { FA3_FORM_CODE } from './ksef-fa3.js';

export type { KsefError, KsefErrorCode, KsefResult } from './ksef-api.js';

export interface KsefClientConfig {
  /** API root including the version, e.g. https://api-test.ksef.mf.gov.pl/v2. */
  baseUrl: string;
  /** The context: the seller's NIP. */
  nip: string;
  /** A KSeF token generated for that context. */
  ksefToken: string;
  timeoutMs?: number;
  /** Polling of the authentication and invoice status. */
  pollIntervalMs?: number;
  maxPolls?: number;
  fetch?: typeof fetch;
}

/** An open online session. The AES key lives only here, in memory, for the session's life. */
export interface KsefSession {
  referenceNumber: string;
  validUntil: string;
  accessToken: string;
  key: Buffer;
  iv: Buffer;
}

export interface KsefInvoiceStatus {
  /** processing: 100/150; accepted: 200 (it has a KSeF number); rejected: any other code. */
  state: 'processing' | 'accepted' | 'rejected';
  code: number;
  description: string;
  details: string[];
  referenceNumber: string;
  invoiceHash: string;
  ksefNumber?: string;
  invoiceNumber?: string;
  acquisitionDate?: string;
}

/** SHA-256 of the invoice bytes, base64: how KSeF names an invoice before it has a number. */
export function invoiceHash(xml: string | Buffer): string {
  return createHash('sha256')
    .update(typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml)
    .digest('base64');
}

export function createKsefClient(config: KsefClientConfig) {
  const timeoutMs = config.timeoutMs ?? 15_000;
  const doFetch = config.fetch ?? fetch;
  const pollMs = config.pollIntervalMs ?? 1_000;
  const maxPolls = config.maxPolls ?? 30;
  const base = config.baseUrl.replace(/\/$/, '');

  async function request(
    method: 'GET' | 'POST',
    path: string,
    opts: { json?: unknown; bearer?: string; accept?: string; sends?: boolean } = {},
  ): Promise<KsefResult<Res>> {
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    if (opts.json !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await doFetch(base + path, {
        method,
        headers,
        body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = Buffer.from(await res.arrayBuffer());
      return ok({ status: res.status, contentType: res.headers.get('content-type') ?? '', body });
    } catch (error) {
      const name = (error as { name?: string }).name;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      // Only a refused connection proves the request never arrived.
      const unknown = opts.sends === true && cause?.code !== 'ECONNREFUSED';
      if (name === 'TimeoutError' || name === 'AbortError')
        return err(
          ksefError('KSEF_TIMEOUT', `${method} ${path}: no answer within ${timeoutMs} ms`, { outcomeUnknown: unknown }),
        );
      return err(
        ksefError('KSEF_UNAVAILABLE', `${method} ${path}: ${cause?.code ?? cause?.message ?? String(error)}`, {
          outcomeUnknown: unknown,
        }),
      );
    }
  }

  async function call<S extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    what: string,
    opts: { json?: unknown; bearer?: string; sends?: boolean } = {},
  ): Promise<KsefResult<z.infer<S>>> {
    const sent = await request(method, path, opts);
    if (!sent.ok) return sent;
    const res = sent.value;
    if (res.status < 200 || res.status >= 300) {
      const error = statusError(res, what);
      if (opts.sends && res.status >= 500) error.outcomeUnknown = true;
      return err(error);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(res.body.toString('utf8'));
    } catch {
      return err(
        ksefError('KSEF_BAD_RESPONSE', `${what}: HTTP ${res.status} with a body that is not JSON`, {
          retryable: true,
          httpStatus: res.status,
          outcomeUnknown: opts.sends,
        }),
      );
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      return err(
        ksefError('KSEF_BAD_RESPONSE', `${what}: unexpected response (${describeIssues(parsed.error.issues)})`, {
          retryable: true,
          httpStatus: res.status,
          outcomeUnknown: opts.sends,
        }),
      );
    }
    return ok(parsed.data as z.infer<S>);
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** The Ministry's public key for a usage, from a certificate valid now. */
  async function publicKey(usage: 'KsefTokenEncryption' | 'SymmetricKeyEncryption') {
    const certs = await call('GET', '/security/public-key-certificates', certificates, 'public key certificates');
    if (!certs.ok) return certs;
    const now = Date.now();
    const cert = certs.value.find(
      (c) => c.usage.includes(usage) && Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo),
    );
    if (!cert)
      return err(ksefError('KSEF_BAD_RESPONSE', `KSeF publishes no valid ${usage} certificate`, { retryable: false }));
    try {
      return ok(new X509Certificate(Buffer.from(cert.certificate, 'base64')).publicKey);
    } catch {
      return err(
        ksefError('KSEF_BAD_RESPONSE', `the ${usage} certificate is not a DER X.509 certificate`, { retryable: false }),
      );
    }
  }

  const oaep = (key: import('node:crypto').KeyObject, data: Buffer) =>
    publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);

  return {
    /** Challenge → encrypted KSeF token → wait for the authentication → redeem: the access token. */
    async authenticate(): Promise<KsefResult<string>> {
      const challenge = await call('POST', '/auth/challenge', challengeResponse, 'auth challenge');
      if (!challenge.ok) return challenge;
      const key = await publicKey('KsefTokenEncryption');
      if (!key.ok) return key;
      const encryptedToken = oaep(
        key.value,
        Buffer.from(`${config.ksefToken}|${challenge.value.timestampMs}`),
      ).toString('base64');
      const init = await call('POST', '/auth/ksef-token', authInit, 'KSeF token authentication', {
        json: {
          challenge: challenge.value.challenge,
          contextIdentifier: { type: 'Nip', value: config.nip },
          encryptedToken,
        },
      });
      if (!init.ok) return init;
      const authToken = init.value.authenticationToken.token;
      for (let poll = 0; ; poll++) {
        const st = await call('GET', `/auth/${init.value.referenceNumber}`, authStatus, 'authentication status', {
          bearer: authToken,
        });
        if (!st.ok) return st;
        const { code, description, details } = st.value.status;
        if (code === 200) break;
        if (code !== 100)
          return err(
            ksefError('KSEF_AUTH_FAILED', `authentication failed: ${code} ${description}`, {
              details: details ?? [],
              retryable: false,
            }),
          );
        if (poll + 1 >= maxPolls)
          return err(ksefError('KSEF_TIMEOUT', 'authentication still in progress after polling'));
        await sleep(pollMs);
      }
      const redeemed = await call('POST', '/auth/token/redeem', tokens, 'token redeem', { bearer: authToken });
      return redeemed.ok ? ok(redeemed.value.accessToken.token) : redeemed;
    },

    /** Opens an online session for FA(3) with a fresh AES-256 key wrapped for the Ministry. */
    async openSession(accessToken: string): Promise<KsefResult<KsefSession>> {
      const pk = await publicKey('SymmetricKeyEncryption');
      if (!pk.ok) return pk;
      const key = randomBytes(32);
      const iv = randomBytes(16);
      const opened = await call('POST', '/sessions/online', sessionOpened, 'open session', {
        bearer: accessToken,
        json: {
          formCode: FA3_FORM_CODE,
          encryption: {
            encryptedSymmetricKey: oaep(pk.value, key).toString('base64'),
            initializationVector: iv.toString('base64'),
          },
        },
      });
      if (!opened.ok) return opened;
      return ok({ ...opened.value, accessToken, key, iv });
    },

    /** Sends one invoice; the answer is KSeF's reference for it (the number comes with the status). */
    async sendInvoice(
      session: KsefSession,
      xml: string | Buffer,
    ): Promise<KsefResult<{ referenceNumber: string; invoiceHash: string }>> {
      const plain = typeof xml === 'string' ? Buffer.from(xml, 'utf8') : xml;
      const cipher = createCipheriv('aes-256-cbc', session.key, session.iv);
      const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
      const hash = invoiceHash(plain);
      const sent = await call(
        'POST',
        `/sessions/online/${session.referenceNumber}/invoices`,
        invoiceSent,
        'send invoice',
        {
          bearer: session.accessToken,
          sends: true,
          json: {
            invoiceHash: hash,
            invoiceSize: plain.length,
            encryptedInvoiceHash: invoiceHash(encrypted),
            encryptedInvoiceSize: encrypted.length,
            encryptedInvoiceContent: encrypted.toString('base64'),
          },
        },
      );
      return sent.ok ? ok({ referenceNumber: sent.value.referenceNumber, invoiceHash: hash }) : sent;
    },

    async invoiceStatus(session: KsefSession, invoiceReference: string): Promise<KsefResult<KsefInvoiceStatus>> {
      const st = await call(
        'GET',
        `/sessions/${session.referenceNumber}/invoices/${invoiceReference}`,
        invoiceStatus,
        'invoice status',
        {
          bearer: session.accessToken,
        },
      );
      return st.ok ? ok(toStatus(st.value)) : st;
    },

    /** Polls the status until KSeF has decided (accepted or rejected). */
    async waitForInvoice(session: KsefSession, invoiceReference: string): Promise<KsefResult<KsefInvoiceStatus>> {
      for (let poll = 0; ; poll++) {
        const st = await this.invoiceStatus(session, invoiceReference);
        if (!st.ok || st.value.state !== 'processing') return st;
        if (poll + 1 >= maxPolls)
          return err(ksefError('KSEF_TIMEOUT', `invoice ${invoiceReference} still processing after polling`));
        await sleep(pollMs);
      }
    },

    /** After a lost send: the session's invoice with this hash, or null when KSeF never got it. */
    async findInvoiceByHash(session: KsefSession, hash: string): Promise<KsefResult<KsefInvoiceStatus | null>> {
      const list = await call(
        'GET',
        `/sessions/${session.referenceNumber}/invoices`,
        sessionInvoices,
        'session invoices',
        {
          bearer: session.accessToken,
        },
      );
      if (!list.ok) return list;
      const found = list.value.invoices.find((i) => i.invoiceHash === hash);
      return ok(found ? toStatus(found) : null);
    },

    /** The UPO (official receipt) of an accepted invoice, as XML. */
    async downloadUpo(session: KsefSession, invoiceReference: string): Promise<KsefResult<string>> {
      const path = `/sessions/${session.referenceNumber}/invoices/${invoiceReference}/upo`;
      const sent = await request('GET', path, { bearer: session.accessToken, accept: 'application/xml' });
      if (!sent.ok) return sent;
      const res = sent.value;
      if (res.status !== 200) return err(statusError(res, 'UPO download'));
      const text = res.body.toString('utf8');
      if (!text.includes('<Potwierdzenie') || !text.includes('NumerKSeFDokumentu'))
        return err(
          ksefError('KSEF_BAD_RESPONSE', 'UPO download: the body is not a UPO', { retryable: true, httpStatus: 200 }),
        );
      return ok(text);
    },

    async closeSession(session: KsefSession): Promise<KsefResult<void>> {
      const sent = await request('POST', `/sessions/online/${session.referenceNumber}/close`, {
        bearer: session.accessToken,
      });
      if (!sent.ok) return sent;
      return sent.value.status === 204 || sent.value.status === 200
        ? ok(undefined)
        : err(statusError(sent.value, 'close session'));
    },
  };
}

export type KsefClient = ReturnType<typeof createKsefClient>;

function toStatus(statusResponse: z.infer<typeof invoiceStatus>): KsefInvoiceStatus {
  const code = statusResponse.status.code;
  return {
    state: code === 100 || code === 150 ? 'processing' : code === 200 ? 'accepted' : 'rejected',
    code,
    description: statusResponse.status.description,
    details: statusResponse.status.details ?? [],
    referenceNumber: statusResponse.referenceNumber,
    invoiceHash: statusResponse.invoiceHash,
    ...(statusResponse.ksefNumber ? { ksefNumber: statusResponse.ksefNumber } : {}),
    ...(statusResponse.invoiceNumber ? { invoiceNumber: statusResponse.invoiceNumber } : {}),
    ...(statusResponse.acquisitionDate ? { acquisitionDate: statusResponse.acquisitionDate } : {}),
  };
}
