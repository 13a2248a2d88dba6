import type { PaymentSettings } from '../../config.js';
import {
  buildKsefFa3,
  createKsefClient,
  invoiceHash,
  type KsefClient,
  type KsefError,
  type KsefInvoiceStatus,
  type KsefSession,
} from '../../integrations/einvoice/index.js';
import type { Clock } from '../../shared/clock.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import type { JobDefinition } from '../events/timers.js';
import { KSEF_SUBMISSION_JOB, reviveDocument, type InvoiceRow } from './invoice-rows.js';

/** Where and with which KSeF token invoices are sent (ORDO_KSEF_URL, ORDO_KSEF_TOKEN). */
export interface KsefSettings {
  /** API root with the version, e.g. https://api-test.ksef.mf.gov.pl/v2. */
  baseUrl: string;
  /** A KSeF token generated for the sellers' NIP context. */
  token: string;
  timeoutMs?: number;
  /** Status polling within one run; an invoice still processing after it is looked at again later. */
  pollIntervalMs?: number;
  maxPolls?: number;
  fetch?: typeof fetch;
}

export interface KsefSubmissionDeps {
  /** Absent: KSeF is not configured here, and queued invoices wait (the reason is on the invoice). */
  ksef: KsefSettings | undefined;
  clock: Clock;
}

/** KSeF sending is on when both settings are given. */
export function ksefFromConfig(settings: PaymentSettings): KsefSettings | undefined {
  const { url, token } = settings.ksef;
  return url && token
    ? { baseUrl: url, token, ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}) }
    : undefined;
}

const actor: Actor = { type: 'system', id: null, name: 'ksef' };
/** Waits after passing failures: 30 s, 2 min, 10 min, 30 min, then hourly (KSeF outages are announced in hours). */
const RETRY_MS = [30_000, 120_000, 600_000, 1_800_000, 3_600_000];
const STILL_PROCESSING_MS = 30_000;
const WAIT_FOR_CORRECTED_MS = 300_000;

type Outcome = { done: true } | { retryAt: Date };
/** Where a failed attempt leaves the invoice (besides the reason). */
type KsefColumns = { ksef_status?: string; ksef_reference?: string | null };

/**
 * `ksef_reference` holds KSeF's session reference and, once known, the invoice's reference in it
 * (`<session>/<invoice>`): the status and the UPO are read under both, and after a send whose
 * answer was lost the session is searched for the invoice by its hash.
 */
const parseReference = (stored: string | null) => {
  const [session, invoice] = (stored ?? '').split('/');
  return session ? { session, invoice: invoice || undefined } : undefined;
};
/** An earlier session, for reading only (status, listing, UPO need its reference and an access token, not its key). */
const readOnlySession = (referenceNumber: string, accessToken: string): KsefSession => ({
  referenceNumber,
  accessToken,
  validUntil: '',
  key: Buffer.alloc(0),
  iv: Buffer.alloc(0),
});
const digits = (taxId: string) => taxId.replace(/^PL/i, '').replace(/[\s-]/g, '');

/**
 * Sends one queued invoice or credit note of a KSeF seller to KSeF: authenticate with the KSeF
 * token for the seller's NIP, open an online session, send the FA(3) XML built from the stored
 * document, poll its status, store the KSeF number and the UPO (`accepted`), or KSeF's reason
 * (`rejected`). A send whose answer was lost is looked up in its session by the invoice's hash
 * before anything is sent again; so is an invoice left `sent` by an earlier run. Passing
 * failures (outages, timeouts, a token KSeF refuses) leave it queued with the reason in
 * `ksef_error` and are tried again later. Each outcome is in the order's history.
 */
export async function submitToKsef(deps: KsefSubmissionDeps, tx: Work, invoiceId: string): Promise<Outcome> {
  const row = await tx.selectFrom('invoices').selectAll().where('id', '=', invoiceId).forUpdate().executeTakeFirst();
  if (!row || !['queued', 'sent', 'accepted'].includes(row.ksef_status ?? '')) return { done: true };
  if (row.ksef_status === 'accepted' && (row.upo || !parseReference(row.ksef_reference)?.invoice))
    return { done: true };
  const now = deps.clock.now();
  const history = (action: string, changes: Record<string, unknown>, reason?: Record<string, unknown>) =>
    writeHistory(tx, actor, now, [
      { orderId: row.order_id, action, changes: { invoiceId: row.id, number: row.number, ...changes }, reason },
    ]);
  const failed = async (failure: Pick<KsefError, 'code' | 'message' | 'details'>, extra: KsefColumns = {}) => {
    const attempts = Number((row.ksef_error as { attempts?: number } | null)?.attempts ?? 0) + 1;
    const retryAt = new Date(now.getTime() + RETRY_MS[Math.min(attempts, RETRY_MS.length) - 1]!);
    const error = {
      code: failure.code,
      message: failure.message,
      details: failure.details,
      attempts,
      retryAt: retryAt.toISOString(),
    };
    await tx
      .updateTable('invoices')
      .set({ ...extra, ksef_error: JSON.stringify(error) })
      .where('id', '=', row.id)
      .execute();
    await history('invoice.ksef_attempt_failed', { attempt: attempts, code: failure.code }, { note: failure.message });
    return { retryAt };
  };
  if (!deps.ksef)
    return failed({
      code: 'KSEF_UNAVAILABLE',
      message: 'KSeF is not configured here (ORDO_KSEF_URL, ORDO_KSEF_TOKEN)',
      details: [],
    });

  const { document } = reviveDocument(row.document);
  if (document.kind === 'credit_note' && document.corrects && !document.corrects.ksefNumber && row.corrects_id) {
    // A correction names the KSeF number of the invoice it corrects: wait for it while that is on its way.
    const corrected = await tx
      .selectFrom('invoices')
      .select(['ksef_status', 'ksef_number'])
      .where('id', '=', row.corrects_id)
      .executeTakeFirst();
    if (corrected?.ksef_number) document.corrects.ksefNumber = corrected.ksef_number;
    else if (corrected && ['queued', 'sent'].includes(corrected.ksef_status ?? ''))
      return { retryAt: new Date(now.getTime() + WAIT_FOR_CORRECTED_MS) };
  }
  const built = buildKsefFa3(document, { generatedAt: row.created_at.toISOString() });
  if (!built.ok) {
    await reject(tx, row, { code: built.error.code, description: built.error.message, details: [] });
    await history('invoice.ksef_rejected', { code: built.error.code }, { note: built.error.message });
    return { done: true };
  }
  const xml = built.value;
  const hash = invoiceHash(xml);
  const client = createKsefClient({
    baseUrl: deps.ksef.baseUrl,
    nip: digits(document.seller.taxId ?? ''),
    ksefToken: deps.ksef.token,
    pollIntervalMs: deps.ksef.pollIntervalMs ?? 1_000,
    maxPolls: deps.ksef.maxPolls ?? 10,
    ...(deps.ksef.timeoutMs ? { timeoutMs: deps.ksef.timeoutMs } : {}),
    ...(deps.ksef.fetch ? { fetch: deps.ksef.fetch } : {}),
  });
  const token = await client.authenticate();
  if (!token.ok) return failed(token.error);

  // Where an earlier run left it: the invoice's reference, or only the session it was sent in.
  const prior = parseReference(row.ksef_reference);
  let session: KsefSession | undefined;
  let reference: string | undefined;
  if (prior && row.ksef_status !== 'queued') {
    session = readOnlySession(prior.session, token.value);
    reference = prior.invoice;
    if (!reference) {
      const found = await client.findInvoiceByHash(session, hash);
      if (!found.ok) return failed(found.error);
      reference = found.value?.referenceNumber;
      if (!reference) session = undefined; // KSeF never got it: send it again, in a new session
    }
  }
  // A session opened here is closed at the end, whatever happened in it (its invoices stay readable).
  let opened: KsefSession | undefined;
  try {
    if (!reference) {
      const newSession = await client.openSession(token.value);
      if (!newSession.ok) return failed(newSession.error);
      opened = session = newSession.value;
      const sent = await client.sendInvoice(session, xml);
      if (sent.ok) reference = sent.value.referenceNumber;
      else if (sent.error.outcomeUnknown) {
        // The answer was lost, not necessarily the invoice: look for it before anything else.
        const found = await client.findInvoiceByHash(session, hash);
        if (!found.ok) return failed(sent.error, { ksef_status: 'sent', ksef_reference: session.referenceNumber });
        reference = found.value?.referenceNumber;
        if (!reference) return failed(sent.error, { ksef_status: 'queued', ksef_reference: null });
      } else if (sent.error.code === 'KSEF_REJECTED') {
        await reject(tx, row, {
          code: sent.error.httpStatus ?? 400,
          description: sent.error.message,
          details: sent.error.details,
        });
        await history(
          'invoice.ksef_rejected',
          { code: sent.error.code },
          { note: sent.error.message, details: sent.error.details },
        );
        return { done: true };
      } else return failed(sent.error);
      await tx
        .updateTable('invoices')
        .set({ ksef_status: 'sent', ksef_reference: `${session.referenceNumber}/${reference}` })
        .where('id', '=', row.id)
        .execute();
      await history('invoice.ksef_sent', { ksefReference: reference, sessionReference: session.referenceNumber, hash });
    }
    return await decide(tx, client, row, { session: session!, reference: reference!, now }, history, failed);
  } finally {
    if (opened) await client.closeSession(opened);
  }
}

/** Reads KSeF's decision on a sent invoice and stores it (with the UPO once accepted). */
async function decide(
  tx: Work,
  client: KsefClient,
  row: InvoiceRow,
  { session, reference, now }: { session: KsefSession; reference: string; now: Date },
  history: (action: string, changes: Record<string, unknown>, reason?: Record<string, unknown>) => Promise<void>,
  failed: (failure: KsefError, extra?: KsefColumns) => Promise<Outcome>,
): Promise<Outcome> {
  const ksefReference = `${session.referenceNumber}/${reference}`;
  let status: KsefInvoiceStatus | undefined;
  if (row.ksef_status !== 'accepted') {
    const st = await client.waitForInvoice(session, reference);
    if (!st.ok)
      return st.error.code === 'KSEF_TIMEOUT'
        ? { retryAt: new Date(now.getTime() + STILL_PROCESSING_MS) }
        : failed(st.error, { ksef_status: 'sent', ksef_reference: ksefReference });
    status = st.value;
    if (status.state === 'rejected') {
      await reject(tx, row, status, ksefReference);
      await history(
        'invoice.ksef_rejected',
        { code: status.code, ksefReference: reference },
        { note: `${status.code} ${status.description}`, details: status.details },
      );
      return { done: true };
    }
    await tx
      .updateTable('invoices')
      .set({
        ksef_status: 'accepted',
        ksef_number: status.ksefNumber ?? null,
        ksef_reference: ksefReference,
        ksef_error: null,
      })
      .where('id', '=', row.id)
      .execute();
    await history('invoice.ksef_accepted', { ksefNumber: status.ksefNumber, acquiredAt: status.acquisitionDate });
  }
  const upo = await client.downloadUpo(session, reference);
  // Accepted stays accepted (the number is what counts); the UPO is fetched again later.
  if (!upo.ok) return failed(upo.error, { ksef_status: 'accepted', ksef_reference: ksefReference });
  await tx.updateTable('invoices').set({ upo: upo.value, ksef_error: null }).where('id', '=', row.id).execute();
  return { done: true };
}

async function reject(
  tx: Work,
  row: InvoiceRow,
  why: { code: number | string; description: string; details: string[] },
  ksefReference: string | null = row.ksef_reference,
) {
  await tx
    .updateTable('invoices')
    .set({
      ksef_status: 'rejected',
      ksef_reference: ksefReference,
      ksef_error: JSON.stringify({ code: why.code, message: why.description, details: why.details }),
    })
    .where('id', '=', row.id)
    .execute();
}

/** The job that sends queued invoices to KSeF (and looks again at those KSeF has not decided). */
export function ksefSubmissionJob(deps: KsefSubmissionDeps): JobDefinition {
  return {
    kind: KSEF_SUBMISSION_JOB,
    async run({ tx, job }) {
      const outcome = await submitToKsef(deps, tx, String(job.payload.invoiceId));
      if ('retryAt' in outcome) return { retryAt: outcome.retryAt };
    },
  };
}
