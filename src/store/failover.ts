import { pgError } from './pg-errors.js';

/**
 * What a lost primary looks like to the store, and the error a request gets while no primary can
 * be reached. Both are retryable: the API answers 503 with Retry-After (src/api/problem.ts), and a
 * unit of work whose transaction certainly did not commit runs once more (unit-of-work.ts).
 */

/** No database server that can take writes (or reads, for the read pool) answered in time. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * SQLSTATEs that mean the server went away or cannot take this work any more: a read-only
 * transaction (the node was demoted, or is a standby still fenced by the HA tool), admin or crash
 * shutdown, a server starting up or in recovery, and every connection exception (class 08).
 */
const LOST_STATES = new Set(['25006', '57P01', '57P02', '57P03']);
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
/** node-postgres reports a dropped or unusable connection with these messages and no code. */
const LOST_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/** Whether an error means the connection's server is gone or no longer the primary. */
export function isPrimaryLost(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const sqlState = pgError(error)?.code;
  if (sqlState && (LOST_STATES.has(sqlState) || sqlState.startsWith('08'))) return true;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  if (LOST_MESSAGES.test(error.message)) return true;
  // AggregateError (a host name resolving to several addresses, all refused)
  if (error instanceof AggregateError) return error.errors.some(isPrimaryLost);
  return false;
}
