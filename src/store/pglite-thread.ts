import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PGliteOptions } from '@electric-sql/pglite';
import { takeLock } from './data-dir-lock.js';

/**
 * How Ordo runs PGlite, in this thread or on its own. PostgreSQL's default 128 MB of shared
 * buffers is resident memory of this process; 16 MB holds what an order's intake touches (the
 * indexes' newest pages, the channel, stock and catalogue rows it reads): the same orders per
 * second as 32 MB, ~17 MB less resident under load (bench/RESULTS.md, eighteenth session); a
 * page not in them is read from the operating system's cache. int8, numeric and date come back
 * as text, as src/store/db.ts has pg return them.
 */
export const EMBEDDED = { startParams: ['-c', 'shared_buffers=16MB'], textTypes: [20, 1700, 1082] };

/**
 * A memory database's files are in memory already, so its buffers only copy them: 8 MB. PGlite
 * clears its buffers as it starts, so this also opens one in ~0.55 s instead of ~0.8 s (a test
 * file opens at least one).
 */
export const startParamsOf = (memory: boolean) => (memory ? ['-c', 'shared_buffers=8MB'] : EMBEDDED.startParams);

/** What PGlitePool needs of a PGlite: in this thread (tests' memory databases) or on its own. */
export interface PGliteSession {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  /** As query, as a named statement: parsed and planned once per text (pglite-prepared.mjs). */
  named<T>(sql: string, params: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<Array<{ rows: Record<string, unknown>[]; affectedRows?: number }>>;
  /**
   * As query (or named), with `before` (statements that return nothing: begin, savepoints) run
   * first in the same call; if one of them fails, the statement does not run and the call fails
   * with that error. PGlite on its own thread saves a message and its answer (pglite-pool.ts).
   */
  after?<T>(
    before: string,
    sql: string,
    params: unknown[],
    named: boolean,
  ): Promise<{ rows: T[]; affectedRows?: number }>;
  /**
   * Calls run whole and one after another in the order they were made (PGlite's thread takes its
   * messages in turn): a caller may make the next call before the answer to the one before, as
   * pg's pipeline mode does on PostgreSQL. In this thread, a call with `before` is two awaits, and
   * a call made between them would run first.
   */
  readonly ordered?: boolean;
  dumpDataDir(compression: 'none'): Promise<Blob>;
  close(): Promise<void>;
}

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;

export interface ThreadOptions {
  /** The data folder; undefined for a memory database. */
  dataDir?: string | undefined;
  loadDataDir?: Blob | undefined;
  /** Compiled once per process and shared with each thread; the thread compiles its own without it. */
  wasmModule?: WasmModule | undefined;
}

interface Reply {
  id: number;
  ok: boolean;
  rows?: Record<string, unknown>[];
  affectedRows?: number;
  dump?: ArrayBuffer;
  error?: Record<string, unknown> & { message: string };
}

/** A PGlite error's fields (code, constraint, detail…) on an Error of this thread, as pg gives them. */
function rebuild(fields: Record<string, unknown> & { message: string }): Error {
  return Object.assign(new Error(fields.message), fields);
}

/**
 * PGlite running on a worker thread (src/store/pglite-worker.mjs): each call is a message, answered
 * in order. If the thread dies, every pending and later call fails with the reason, as a crashed
 * in-process PGlite would.
 */
export class PGliteThread implements PGliteSession {
  readonly ordered = true;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private stopped: Error | null = null;
  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply);
      else waiting.reject(rebuild(reply.error!));
    });
    const stop = (error: Error) => {
      this.stopped ??= error;
      for (const waiting of this.pending.values()) waiting.reject(this.stopped);
      this.pending.clear();
    };
    worker.on('error', (error) => stop(new Error(`the embedded database stopped: ${error.message}`)));
    worker.on('exit', (code) => stop(new Error(`the embedded database stopped (its thread exited with code ${code})`)));
  }

  /** Starts the thread and resolves once the database is open (or rejects with why it did not). */
  static open(options: ThreadOptions): Promise<PGliteThread> {
    const { loadDataDir, ...rest } = options;
    return (async () => {
      const dump = loadDataDir ? await loadDataDir.arrayBuffer() : undefined;
      const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
        workerData: {
          ...rest,
          ...EMBEDDED,
          startParams: startParamsOf(!rest.dataDir),
          dataDir: rest.dataDir && resolve(rest.dataDir),
          loadDataDir: dump,
        },
        transferList: dump ? [dump] : [],
        // plain JavaScript: none of this process's flags (a TypeScript loader, --input-type, -e)
        execArgv: [],
      });
      await new Promise<void>((ready, failed) => {
        const onMessage = (message: { ready?: boolean; error?: Record<string, unknown> & { message: string } }) => {
          if (message.ready === undefined) return;
          worker.off('message', onMessage);
          worker.off('error', failed);
          if (message.ready) ready();
          else failed(rebuild(message.error!));
        };
        worker.on('message', onMessage);
        worker.once('error', failed);
        // an exit before any answer (failed() after an answer does nothing: the promise is settled)
        worker.once('exit', (code) =>
          failed(new Error(`the embedded database did not open (its thread exited with code ${code})`)),
        );
      });
      return new PGliteThread(worker);
    })();
  }

  private call(message: Record<string, unknown>): Promise<Reply> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  async query<T>(sql: string, params: unknown[] = []) {
    const reply = await this.call({ op: 'query', sql, params });
    return { rows: reply.rows as T[], affectedRows: reply.affectedRows };
  }

  async named<T>(sql: string, params: unknown[]) {
    const reply = await this.call({ op: 'query', sql, params, named: true });
    return { rows: reply.rows as T[], affectedRows: reply.affectedRows };
  }

  async after<T>(before: string, sql: string, params: unknown[], named: boolean) {
    const reply = await this.call({ op: 'query', before, sql, params, named });
    return { rows: reply.rows as T[], affectedRows: reply.affectedRows };
  }

  async exec(sql: string) {
    const reply = await this.call({ op: 'exec', sql });
    return [{ rows: reply.rows ?? [], affectedRows: reply.affectedRows }];
  }

  async dumpDataDir(): Promise<Blob> {
    const reply = await this.call({ op: 'dump' });
    return new Blob([reply.dump!]);
  }

  async close(): Promise<void> {
    if (!this.stopped) await this.call({ op: 'close' });
    await this.worker.terminate();
  }
}

interface EarlyOpen {
  dataDir: string;
  opened: Promise<PGliteThread>;
  unlock: () => void;
}
let early: EarlyOpen | null = null;

/**
 * `ordo serve` on a data folder opens it at once, from src/cli/early-start.ts: the folder is locked
 * and PGlite starts on its thread while this thread loads and evaluates the rest of the program
 * (~1.5 s), so the two overlap. `openDatabase` then takes it over (`takeEarlyOpen`). A failure is
 * kept for that moment, when it is reported.
 */
export function openEarly(dataDir: string): void {
  const folder = resolve(dataDir);
  try {
    mkdirSync(folder, { recursive: true });
    const unlock = takeLock(folder);
    const opened = PGliteThread.open({ dataDir: folder });
    opened.catch(() => undefined); // reported when taken over
    early = { dataDir: folder, opened, unlock };
  } catch {
    // opening it again later reports why (a lock held by another process, a folder not writable)
  }
}

/** The early open of this folder, now owned by the caller; any other early open is closed. */
export function takeEarlyOpen(dataDir: string): { opened: Promise<PGliteThread>; unlock: () => void } | null {
  const taken = early;
  early = null;
  if (!taken) return null;
  if (taken.dataDir === resolve(dataDir)) return taken;
  taken.opened
    .then((thread) => thread.close())
    .catch(() => undefined) // it failed to open: nothing to close
    .finally(taken.unlock);
  return null;
}
