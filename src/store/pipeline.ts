import type pg from 'pg';
import type { Compilable, Kysely, QueryResult } from 'kysely';

/*
 * Pipelining and named statements for PostgreSQL connections, kept apart from the rest of the
 * store: the only place that reaches into pg's client. It changes how statements travel, never
 * what they do (test/store/pipeline.test.ts checks that errors still reach the caller and that
 * a refused statement aborts its commit). ORDO_PIPELINE=off and ORDO_PREPARE=off turn each half off.
 */

/**
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it on each call. The same
 * few hundred statement texts make up nearly all traffic: naming each parameterised text once
 * (per process) lets every connection prepare it on first use and reuse the plan after.
 * Distinct texts are capped; beyond the cap (e.g. inserts of many different row counts)
 * statements go unnamed as before.
 */
const statementNames = new Map<string, string>();
const MAX_PREPARED = 2_000;
/** Statements answered at once and sent with the next one (here and in pglite-pool.ts). */
export const DEFERRABLE = /^(begin|savepoint \w+|release savepoint \w+)$/;
/** The answer a DEFERRABLE statement gets at once (its own result comes with the next statement's). */
export const answeredAtOnce = (text: string) => ({
  command: text.split(' ')[0]!.toUpperCase(),
  rowCount: null,
  rows: [],
  fields: [],
});

type Query = (text: unknown, values?: unknown, ...rest: unknown[]) => Promise<unknown>;

/**
 * Per connection: names statements (above) and, with pg's pipeline mode, saves round trips and
 * socket writes, which dominate a short transaction's cost on a busy machine.
 * - `begin`, `savepoint x` and `release savepoint x` are answered at once and sent together with
 *   the next statement; that statement's result waits for theirs, so if one of them failed the
 *   caller still gets the error.
 * - Everything written to the socket in one tick goes out in one write (cork until the next
 *   tick), so the unit of work's last statement and its `commit` share a write and a round trip.
 * Statements still run one after another on the server, in the order they were issued.
 */
export function tuneClient(client: pg.PoolClient, opts: { name: boolean; pipeline: boolean }): void {
  const query = client.query.bind(client) as Query;
  const stream = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
  let corked = false;
  let deferred: Promise<unknown>[] = [];
  const send: Query = (text, values, ...rest) => {
    if (opts.pipeline && !corked) {
      corked = true;
      stream.cork();
      process.nextTick(() => {
        corked = false;
        stream.uncork();
      });
    }
    if (!opts.name || typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || rest.length)
      return query(text, values, ...rest);
    let name = statementNames.get(text);
    if (!name && statementNames.size < MAX_PREPARED) statementNames.set(text, (name = `ordo_${statementNames.size}`));
    return name ? query({ name, text, values }) : query(text, values);
  };
  (client as unknown as { query: Query }).query = (text, values, ...rest) => {
    if (opts.pipeline && typeof text === 'string' && rest.length === 0 && DEFERRABLE.test(text)) {
      const sent = send(text, values);
      sent.catch(() => {}); // reported through the statement that follows it
      deferred.push(sent);
      return Promise.resolve(answeredAtOnce(text));
    }
    const result = send(text, values, ...rest);
    const before = deferred;
    deferred = [];
    if (before.length === 0 || !(result instanceof Promise)) return result;
    return Promise.all(before).then(
      () => result,
      (error: unknown) => {
        result.catch(() => {});
        throw error;
      },
    );
  };
}

/**
 * Two statements of one transaction sent together: Kysely hands a transaction's statements to its
 * connection one at a time, each after the answer to the one before; here the second is handed
 * over without waiting, so on PostgreSQL both leave in one write and cost one round trip (above).
 * The server still runs them one after another, the second with a snapshot taken when it starts.
 * If the first fails inside a transaction, the second fails too (the transaction is aborted): the
 * first refusal is thrown, so a caller sees the statement the database refused, not "current
 * transaction is aborted". No statement of the transaction runs between them. (Result plugins are
 * not applied: Ordo has none that change results.)
 */
export async function sentTogether<A, B>(
  conn: Kysely<any>,
  first: Compilable<A>,
  second: Compilable<B>,
): Promise<[QueryResult<A>, QueryResult<B>]> {
  const one = first.compile();
  const two = second.compile();
  const [done, next] = await conn
    .getExecutor()
    .provideConnection((connection) =>
      Promise.allSettled([connection.executeQuery<A>(one), connection.executeQuery<B>(two)] as const),
    );
  if (done.status === 'rejected') throw done.reason;
  if (next.status === 'rejected') throw next.reason;
  return [done.value, next.value];
}
