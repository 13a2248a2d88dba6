/**
 * A counting TCP proxy for the PostgreSQL wire protocol (v3), for benchmarks: it sits between a
 * server and PostgreSQL, forwards every byte unchanged and counts, from the message types,
 * statements (simple Query 'Q', or an extended-protocol Execute 'E' of a Parse 'P'), round trips
 * (a burst the client sends while it waits for nothing) and transactions (ReadyForQuery 'Z' back
 * to idle after at least one statement, so an autocommit statement is one transaction and a
 * BEGIN…COMMIT block is one). BEGIN/COMMIT/ROLLBACK/SAVEPOINT are counted apart from statements.
 * The backend pids (BackendKeyData 'K') are kept, so a benchmark can read those backends' CPU.
 * Each statement's time at the server is summed by its text (`times`): from when it was sent, or
 * when the statement before it on the connection finished if later (a pipelined one waits its
 * turn), to its CommandComplete — PostgreSQL's wall time for it, waits for locks and I/O included,
 * plus a loopback hop; at one client it is close to the backend's CPU for it.
 * No TLS: the client must not ask for it (a plain postgres:// URL without sslmode).
 */
import net from 'node:net';
import { join } from 'node:path';

export interface WireCounts {
  statements: number;
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE: not in `statements`. */
  control: number;
  roundTrips: number;
  transactions: number;
  connections: number;
}

/** Per statement text: how often it ran and the milliseconds it took at the server, in all. */
export type StatementTimes = Map<string, { calls: number; ms: number }>;

export const zeroCounts = (): WireCounts => ({
  statements: 0,
  control: 0,
  roundTrips: 0,
  transactions: 0,
  connections: 0,
});

/**
 * Splits a stream into protocol messages: a type byte and a length (that includes itself), or, for
 * the first message a client sends (startup, SSL or cancel request), a length alone. Bodies are
 * handed over only for the types `wanted` names; others are skipped without copying.
 */
export class MessageReader {
  private pending: Buffer = Buffer.alloc(0);
  private skip = 0;
  constructor(
    private startup: boolean,
    private readonly wanted: (type: string) => boolean,
    private readonly onMessage: (type: string, body: Buffer | null) => void,
  ) {}

  push(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    let offset = 0;
    for (;;) {
      if (this.skip > 0) {
        const taken = Math.min(this.skip, data.length - offset);
        this.skip -= taken;
        offset += taken;
        if (this.skip > 0) return;
      }
      const headerSize = this.startup ? 4 : 5;
      if (data.length - offset < headerSize) break;
      const type = this.startup ? '' : String.fromCharCode(data[offset]!);
      const length = data.readInt32BE(this.startup ? offset : offset + 1) - 4;
      if (this.startup || this.wanted(type)) {
        if (data.length - offset - headerSize < length) break;
        const body = data.subarray(offset + headerSize, offset + headerSize + length);
        offset += headerSize + length;
        if (this.startup) {
          // an SSL or GSS request is followed by another startup message; anything else ends startup
          const code = body.length >= 4 ? body.readInt32BE(0) : 0;
          this.startup = code === 80877103 || code === 80877104;
        }
        this.onMessage(type, body);
      } else {
        offset += headerSize;
        this.skip = length;
        this.onMessage(type, null);
      }
      data = offset === data.length ? Buffer.alloc(0) : data;
      if (data.length === 0) return;
    }
    this.pending = Buffer.from(data.subarray(offset));
  }
}

const CONTROL = /^\s*(begin|start\s+transaction|commit|end|rollback|savepoint|release|abort)\b/i;

const cString = (body: Buffer, from: number): [string, number] => {
  const end = body.indexOf(0, from);
  return [body.toString('utf8', from, end), end + 1];
};

/** Counts one connection's traffic into `counts` (and each statement's time into `times`): frontend messages in, backend messages out. */
export function connectionCounter(
  counts: WireCounts,
  onBackendPid: (pid: number) => void = () => {},
  times?: StatementTimes,
) {
  const statementText = new Map<string, string>(); // prepared statement name → text
  const portalText = new Map<string, string>(); // portal name → text
  let outstanding = 0; // Syncs and Queries not yet answered by ReadyForQuery
  let burst = false; // a round trip is under way: the client sent something and waits for an answer
  let sinceIdle = 0; // statements since the connection was last idle
  // statements sent and not yet complete, in order, with a null where a Sync (or a simple Query)
  // ends a pipeline's part: after an error the server skips the rest of that part
  const sent: Array<{ text: string; at: number } | null> = [];
  let lastDone = 0;
  const statement = (text: string) => {
    if (CONTROL.test(text)) counts.control++;
    else counts.statements++;
    sinceIdle++;
    if (times) sent.push({ text: text.replace(/\s+/g, ' ').trim().slice(0, 110), at: performance.now() });
  };
  const completed = () => {
    const head = sent[0];
    if (!head) return; // a simple Query's second statement: timed as one with the first
    sent.shift();
    const now = performance.now();
    const entry = times!.get(head.text) ?? { calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += now - Math.max(head.at, lastDone);
    times!.set(head.text, entry);
    lastDone = now;
  };
  const frontend = new MessageReader(
    true,
    (type) => type === 'P' || type === 'B' || type === 'E' || type === 'Q',
    (type, body) => {
      if (type === '' || type === 'X') return; // startup, terminate
      // the first message sent while nothing is owed starts a round trip; the rest of a pipeline
      // (more Parse/Bind/Execute/Sync before the answers) belongs to it
      if (!burst) {
        counts.roundTrips++;
        burst = true;
      }
      if (type === 'Q') {
        outstanding++;
        statement(cString(body!, 0)[0]);
        if (times) sent.push(null);
      } else if (type === 'S') {
        outstanding++;
        if (times) sent.push(null);
      } else if (type === 'P') {
        const [name, next] = cString(body!, 0);
        statementText.set(name, cString(body!, next)[0]);
      } else if (type === 'B') {
        const [portal, next] = cString(body!, 0);
        portalText.set(portal, statementText.get(cString(body!, next)[0]) ?? '');
      } else if (type === 'E') statement(portalText.get(cString(body!, 0)[0]) ?? '');
    },
  );
  const backend = new MessageReader(
    false,
    (type) => type === 'Z' || type === 'K',
    (type, body) => {
      if (type === 'K') onBackendPid(body!.readInt32BE(0));
      else if (times && (type === 'C' || type === 'I' || type === 's')) completed();
      else if (type === 'Z') {
        if (times) {
          // what the server skipped after an error ends here, unanswered
          while (sent.length && sent[0] !== null) sent.shift();
          sent.shift();
          lastDone = performance.now();
        }
        outstanding = Math.max(0, outstanding - 1);
        if (outstanding === 0) burst = false;
        if (body![0] === 0x49 /* I */ && sinceIdle > 0) {
          counts.transactions++;
          sinceIdle = 0;
        }
      }
    },
  );
  return { frontend: (chunk: Buffer) => frontend.push(chunk), backend: (chunk: Buffer) => backend.push(chunk) };
}

/**
 * Listens on a free local port and forwards to `upstream`; `counts` grows with the traffic, and
 * with `timeStatements` each statement's time at the server is summed by its text (`times`).
 */
export async function startPgProxy(
  upstream: { host: string; port: number } | { path: string },
  timeStatements = false,
  /** Listen on `<unixDir>/.s.PGSQL.5432` (a Unix socket, as a client with `?host=<unixDir>` reaches it) instead of a local port. */
  unixDir?: string,
) {
  const counts = zeroCounts();
  const times: StatementTimes | undefined = timeStatements ? new Map() : undefined;
  const backendPids = new Set<number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    counts.connections++;
    const counter = connectionCounter(counts, (pid) => backendPids.add(pid), times);
    const db = net.connect(upstream);
    sockets.add(client).add(db);
    if (!unixDir) client.setNoDelay(true);
    if (!('path' in upstream)) db.setNoDelay(true);
    client.on('data', (chunk) => {
      counter.frontend(chunk);
      db.write(chunk);
    });
    db.on('data', (chunk) => {
      counter.backend(chunk);
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      db.destroy();
      sockets.delete(client);
      sockets.delete(db);
    };
    client.on('close', close).on('error', close);
    db.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) =>
    unixDir ? server.listen(join(unixDir, '.s.PGSQL.5432'), resolve) : server.listen(0, '127.0.0.1', resolve),
  );
  const port = unixDir ? 5432 : (server.address() as net.AddressInfo).port;
  return {
    port,
    unixDir,
    counts,
    backendPids,
    snapshot: (): WireCounts => ({ ...counts }),
    /** The statement times so far (empty unless timeStatements). */
    snapshotTimes: (): StatementTimes => new Map([...(times ?? [])].map(([text, t]) => [text, { ...t }])),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
