/**
 * A local KSeF 2.0 server for tests: the endpoints the adapter uses, on 127.0.0.1, with the
 * real crypto (its own RSA key published as a certificate), real FA(3) schema validation, KSeF
 * numbers in the official format (NIP-YYYYMMDD-12 hex-CRC-8) and UPOs shaped like the
 * Ministry's examples. Faults are injected per route to test lost answers and outages.
 */
import {
  constants,
  createDecipheriv,
  createHash,
  generateKeyPairSync,
  privateDecrypt,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XmlDocument } from 'libxml2-wasm';
import { create } from 'xmlbuilder2';
import { FA3_NAMESPACE, validateKsefFa3 } from '../ksef-fa3.js';
import { selfSignedCertificate } from './der-cert.js';

/** CRC-8 (polynomial 0x07, initial 0x00) over the first 32 characters: the KSeF number's checksum. */
export function crc8(data: string): string {
  let crc = 0;
  for (const byte of Buffer.from(data, 'ascii')) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc.toString(16).toUpperCase().padStart(2, '0');
}

export function makeKsefNumber(
  nip: string,
  date: Date,
  technical = randomBytes(6).toString('hex').toUpperCase(),
): string {
  const data = `${nip}-${date.toISOString().slice(0, 10).replaceAll('-', '')}-${technical}`;
  return `${data}-${crc8(data)}`;
}

export type KsefFault = 'drop' | 'hang' | 'status-500' | 'malformed';
export type KsefRoute = 'send' | 'status' | 'open' | 'upo' | 'challenge';

interface InvoiceRecord {
  ordinalNumber: number;
  referenceNumber: string;
  invoiceHash: string;
  invoiceNumber?: string;
  ksefNumber?: string;
  acquisitionDate?: string;
  invoicingDate: string;
  issueDate?: string;
  status: { code: number; description: string; details?: string[] };
  pollsLeft: number;
}

interface Session {
  nip: string;
  key: Buffer;
  iv: Buffer;
  open: boolean;
  authDigest: string;
  invoices: InvoiceRecord[];
}

export interface KsefFakeOptions {
  /** The KSeF tokens it accepts, each for a NIP context. */
  tokens: Record<string, string>;
  /** Status queries that answer 150 (processing) before the decision. */
  processingPolls?: number;
}

/** Reference numbers shaped like KSeF's (36 characters, e.g. 20250916-SE-9D5A28BFDA-47C899773E-5C). */
function ref(kind = 'SE'): string {
  const hex = (n: number) => randomBytes(n).toString('hex').toUpperCase();
  return `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${kind}-${hex(5)}-${hex(5)}-${hex(1)}`;
}

export async function startKsefFake(options: KsefFakeOptions) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const certificate = selfSignedCertificate(
    publicKey,
    privateKey,
    'KSeF local fake',
    new Date(now - 86_400_000),
    new Date(now + 365 * 86_400_000),
  );
  const challenges = new Map<string, number>();
  const auths = new Map<string, { nip: string; token: string; ok: boolean; redeemed: boolean }>();
  const accessTokens = new Map<string, { nip: string; digest: string }>();
  const sessions = new Map<string, Session>();
  const faults: { route: KsefRoute; fault: KsefFault }[] = [];
  const accepted = new Map<string, string>(); // NIP + invoice number → KSeF number (duplicates)
  const received: string[] = [];

  const oaep = (data: Buffer) =>
    privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data);
  const exception = (code: number, description: string, details: string[] = []) => ({
    exception: {
      exceptionDetailList: [{ exceptionCode: code, exceptionDescription: description, details }],
      serviceCode: randomUUID(),
      timestamp: new Date().toISOString(),
    },
  });

  function processInvoice(session: Session, sessionRef: string, body: Record<string, unknown>): InvoiceRecord {
    const record: InvoiceRecord = {
      ordinalNumber: session.invoices.length + 1,
      referenceNumber: ref(),
      invoiceHash: String(body.invoiceHash),
      invoicingDate: new Date().toISOString(),
      status: { code: 200, description: 'Sukces' },
      pollsLeft: options.processingPolls ?? 1,
    };
    session.invoices.push(record);
    let xml: Buffer;
    try {
      const d = createDecipheriv('aes-256-cbc', session.key, session.iv);
      xml = Buffer.concat([d.update(Buffer.from(String(body.encryptedInvoiceContent), 'base64')), d.final()]);
    } catch {
      record.status = { code: 435, description: 'Błąd odszyfrowania pliku' };
      return record;
    }
    const hash = createHash('sha256').update(xml).digest('base64');
    if (hash !== body.invoiceHash || xml.length !== body.invoiceSize) {
      record.status = {
        code: 430,
        description: 'Błąd weryfikacji pliku faktury',
        details: ['Skrót lub rozmiar faktury nie zgadza się z przesłanym'],
      };
      return record;
    }
    received.push(xml.toString('utf8'));
    const validation = validateKsefFa3(xml);
    if (!validation.ok) {
      record.status = {
        code: 430,
        description: 'Błąd weryfikacji pliku faktury',
        details: validation.errors.map((e) => `linia ${e.line}: ${e.message}`),
      };
      return record;
    }
    const doc = XmlDocument.fromBuffer(xml);
    const ns = { fa: FA3_NAMESPACE };
    const nip = doc.get('/fa:Faktura/fa:Podmiot1/fa:DaneIdentyfikacyjne/fa:NIP', ns)?.content ?? '';
    record.invoiceNumber = doc.get('/fa:Faktura/fa:Fa/fa:P_2', ns)?.content;
    record.issueDate = doc.get('/fa:Faktura/fa:Fa/fa:P_1', ns)?.content;
    doc.dispose();
    if (nip !== session.nip) {
      record.status = {
        code: 410,
        description: 'Nieprawidłowy zakres uprawnień',
        details: [`NIP sprzedawcy ${nip} ≠ kontekst ${session.nip}`],
      };
      return record;
    }
    const duplicateOf = accepted.get(`${nip}|${record.invoiceNumber}`);
    if (duplicateOf) {
      record.status = { code: 440, description: 'Duplikat faktury', details: [`originalKsefNumber: ${duplicateOf}`] };
      return record;
    }
    record.ksefNumber = makeKsefNumber(nip, new Date());
    record.acquisitionDate = new Date().toISOString();
    accepted.set(`${nip}|${record.invoiceNumber}`, record.ksefNumber);
    void sessionRef;
    return record;
  }

  function statusJson(r: InvoiceRecord) {
    const processing = r.pollsLeft > 0;
    if (processing) r.pollsLeft--;
    return {
      ordinalNumber: r.ordinalNumber,
      referenceNumber: r.referenceNumber,
      invoiceHash: r.invoiceHash,
      invoicingDate: r.invoicingDate,
      invoicingMode: 'Online',
      ...(r.invoiceNumber ? { invoiceNumber: r.invoiceNumber } : {}),
      ...(!processing && r.ksefNumber ? { ksefNumber: r.ksefNumber, acquisitionDate: r.acquisitionDate } : {}),
      status: processing ? { code: 150, description: 'Trwa przetwarzanie' } : r.status,
    };
  }

  function upo(sessionRef: string, s: Session, r: InvoiceRecord): string {
    const root = create({ version: '1.0', encoding: 'utf-8' }).ele(
      'http://upo.schematy.mf.gov.pl/KSeF/v4-3',
      'Potwierdzenie',
    );
    root.ele('NazwaPodmiotuPrzyjmujacego').txt('Ordo — lokalny serwer KSeF (testy)');
    root.ele('NumerReferencyjnySesji').txt(sessionRef);
    const auth = root.ele('Uwierzytelnienie');
    auth.ele('IdKontekstu').ele('Nip').txt(s.nip);
    auth.ele('SkrotDokumentuUwierzytelniajacego').txt(s.authDigest);
    root.ele('NazwaStrukturyLogicznej').txt('Schemat_FA(3)_v1-0E.xsd');
    root.ele('KodFormularza').txt('FA (3)');
    const d = root.ele('Dokument');
    d.ele('NipSprzedawcy').txt(s.nip);
    d.ele('NumerKSeFDokumentu').txt(r.ksefNumber!);
    d.ele('NumerFaktury').txt(r.invoiceNumber ?? '');
    d.ele('DataWystawieniaFaktury').txt(r.issueDate ?? '');
    d.ele('DataPrzeslaniaDokumentu').txt(r.invoicingDate);
    d.ele('DataNadaniaNumeruKSeF').txt(r.acquisitionDate!);
    d.ele('SkrotDokumentu').txt(r.invoiceHash);
    d.ele('TrybWysylki').txt('Online');
    return root.end({ prettyPrint: true });
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  function takeFault(route: KsefRoute): KsefFault | undefined {
    const i = faults.findIndex((f) => f.route === route);
    return i < 0 ? undefined : faults.splice(i, 1)[0]!.fault;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/^\/v2/, '');
    const method = req.method ?? 'GET';
    const body = method === 'POST' ? await readJson(req) : {};
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const send = (status: number, json?: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json));
    };
    const route: KsefRoute | undefined =
      path === '/auth/challenge'
        ? 'challenge'
        : path === '/sessions/online'
          ? 'open'
          : /^\/sessions\/online\/[^/]+\/invoices$/.test(path)
            ? 'send'
            : /\/upo$/.test(path)
              ? 'upo'
              : /^\/sessions\/[^/]+\/invoices\/[^/]+$/.test(path)
                ? 'status'
                : undefined;
    const fault = route && takeFault(route);
    if (fault === 'status-500') return send(500, exception(500, 'Wewnętrzny błąd serwera'));
    if (fault === 'malformed') return send(200, '{"referenceNumber":', 'application/json');
    // drop and hang still do the work (the request arrived), then lose the answer.
    const finish = (status: number, json?: unknown, type?: string) => {
      if (fault === 'drop') return void res.socket?.destroy();
      if (fault === 'hang') return;
      send(status, json, type);
    };

    if (method === 'GET' && path === '/security/public-key-certificates') {
      const cert = {
        certificate: certificate.toString('base64'),
        certificateId: 'fake-cert-1',
        publicKeyId: 'fake-key-1',
        validFrom: new Date(now - 86_400_000).toISOString(),
        validTo: new Date(now + 365 * 86_400_000).toISOString(),
        usage: ['KsefTokenEncryption', 'SymmetricKeyEncryption'],
      };
      return finish(200, [cert]);
    }
    if (method === 'POST' && path === '/auth/challenge') {
      const challenge = ref('CR');
      const timestampMs = Date.now();
      challenges.set(challenge, timestampMs);
      return finish(200, {
        challenge,
        timestamp: new Date(timestampMs).toISOString(),
        timestampMs,
        clientIp: '127.0.0.1',
      });
    }
    if (method === 'POST' && path === '/auth/ksef-token') {
      const ctx = body.contextIdentifier as { type?: string; value?: string } | undefined;
      const ts = challenges.get(String(body.challenge));
      if (ts === undefined || ctx?.type !== 'Nip' || !ctx.value)
        return finish(400, exception(21405, 'Błąd walidacji danych wejściowych.', ['challenge lub kontekst']));
      challenges.delete(String(body.challenge));
      let plain = '';
      try {
        plain = oaep(Buffer.from(String(body.encryptedToken), 'base64')).toString('utf8');
      } catch {
        return finish(400, exception(21405, 'Błąd walidacji danych wejściowych.', ['Nie można odszyfrować tokena']));
      }
      // KSeF tokens contain '|' themselves: the timestamp is after the last one.
      const cut = plain.lastIndexOf('|');
      const token = plain.slice(0, cut);
      const stamp = plain.slice(cut + 1);
      const authRef = ref();
      const authToken = randomBytes(24).toString('hex');
      auths.set(authToken, {
        nip: ctx.value,
        token,
        ok: options.tokens[token] === ctx.value && Number(stamp) === ts,
        redeemed: false,
      });
      return finish(202, {
        referenceNumber: authRef,
        authenticationToken: { token: authToken, validUntil: new Date(Date.now() + 900_000).toISOString() },
      });
    }
    if (method === 'GET' && /^\/auth\/[^/]+$/.test(path)) {
      const a = auths.get(bearer);
      if (!a) return finish(401);
      return finish(200, {
        startDate: new Date().toISOString(),
        authenticationMethod: 'Token',
        authenticationMethodInfo: { category: 'Token', code: 'token', displayName: 'Token KSeF' },
        status: a.ok
          ? { code: 200, description: 'Uwierzytelnianie zakończone sukcesem' }
          : {
              code: 450,
              description: 'Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu',
              details: ['Nieprawidłowy token'],
            },
      });
    }
    if (method === 'POST' && path === '/auth/token/redeem') {
      const a = auths.get(bearer);
      if (!a || !a.ok) return finish(401);
      if (a.redeemed) return finish(400, exception(21301, 'Brak autoryzacji.', ['Tokeny zostały już pobrane']));
      a.redeemed = true;
      const access = randomBytes(24).toString('hex');
      accessTokens.set(access, { nip: a.nip, digest: createHash('sha256').update(bearer).digest('base64') });
      const info = (t: string) => ({ token: t, validUntil: new Date(Date.now() + 900_000).toISOString() });
      return finish(200, { accessToken: info(access), refreshToken: info(randomBytes(24).toString('hex')) });
    }

    const who = accessTokens.get(bearer);
    if (!who) return send(401);
    if (method === 'POST' && path === '/sessions/online') {
      const form = body.formCode as { systemCode?: string } | undefined;
      const enc = body.encryption as { encryptedSymmetricKey?: string; initializationVector?: string } | undefined;
      if (form?.systemCode !== 'FA (3)')
        return finish(400, exception(21405, 'Błąd walidacji danych wejściowych.', ['Nieobsługiwany formCode']));
      let key: Buffer;
      try {
        key = oaep(Buffer.from(enc?.encryptedSymmetricKey ?? '', 'base64'));
      } catch {
        return finish(
          400,
          exception(21405, 'Błąd walidacji danych wejściowych.', ['Nie można odszyfrować klucza symetrycznego']),
        );
      }
      const iv = Buffer.from(enc?.initializationVector ?? '', 'base64');
      if (key.length !== 32 || iv.length !== 16)
        return finish(400, exception(21405, 'Błąd walidacji danych wejściowych.', ['Klucz 32 bajty, IV 16 bajtów']));
      const sessionRef = ref();
      sessions.set(sessionRef, { nip: who.nip, key, iv, open: true, authDigest: who.digest, invoices: [] });
      return finish(201, {
        referenceNumber: sessionRef,
        validUntil: new Date(Date.now() + 12 * 3_600_000).toISOString(),
      });
    }
    const m = /^\/sessions\/(?:online\/)?([^/]+)(\/.*)?$/.exec(path);
    const session = m ? sessions.get(m[1]!) : undefined;
    if (!m || !session || session.nip !== who.nip) return send(404, exception(21405, 'Nie znaleziono sesji.'));
    const rest = m[2] ?? '';
    if (method === 'POST' && rest === '/invoices') {
      if (!session.open) return finish(400, exception(21180, 'Sesja zamknięta.'));
      const record = processInvoice(session, m[1]!, body);
      return finish(202, { referenceNumber: record.referenceNumber });
    }
    if (method === 'POST' && rest === '/close') {
      session.open = false;
      return finish(204);
    }
    if (method === 'GET' && rest === '/invoices') return finish(200, { invoices: session.invoices.map(statusJson) });
    const inv = /^\/invoices\/([^/]+)(\/upo)?$/.exec(rest);
    const record = inv ? session.invoices.find((r) => r.referenceNumber === inv[1]) : undefined;
    if (!inv || !record) return send(404, exception(21405, 'Nie znaleziono faktury.'));
    if (!inv[2]) return finish(200, statusJson(record));
    if (!record.ksefNumber || record.pollsLeft > 0)
      return finish(404, exception(21178, 'UPO nie jest jeszcze dostępne.'));
    return finish(200, upo(m[1]!, session, record), 'application/xml');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(exception(500, String(error))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    /** The next request to `route` fails this way. */
    fail(route: KsefRoute, fault: KsefFault) {
      faults.push({ route, fault });
    },
    /** Decrypted invoices as received. */
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type KsefFake = Awaited<ReturnType<typeof startKsefFake>>;
