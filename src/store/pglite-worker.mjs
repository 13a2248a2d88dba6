// The embedded database on its own thread (src/store/pglite-thread.ts starts it). PostgreSQL in
// WebAssembly runs here, so opening a data folder overlaps the loading of the rest of the program
// on the main thread, and an order's SQL runs beside the main thread's HTTP, validation and
// process work instead of between them. Plain JavaScript: `npm run build` copies it as it is.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PreparedStatements } from './pglite-prepared.mjs';

/** @type {{ dataDir?: string, loadDataDir?: ArrayBuffer, wasmModule?: WebAssembly.Module, startParams: string[], textTypes: number[] }} startParams: beside PGlite's own */
const options = workerData;
const keepText = (value) => value;

/** An error as plain fields: a DatabaseError's code, constraint, detail… survive the thread hop. */
function fields(error) {
  const plain = { name: error?.name ?? 'Error', message: error?.message ?? String(error) };
  if (error && typeof error === 'object')
    for (const [key, value] of Object.entries(error))
      if (['string', 'number', 'boolean'].includes(typeof value)) plain[key] = value;
  return plain;
}

let pglite;
let prepared;
try {
  pglite = await PGlite.create(options.dataDir, {
    startParams: [...PGlite.defaultStartParams, ...options.startParams],
    extensions: { pg_trgm },
    ...(options.wasmModule ? { pgliteWasmModule: options.wasmModule } : {}),
    ...(options.loadDataDir ? { loadDataDir: new Blob([options.loadDataDir]) } : {}),
    parsers: Object.fromEntries(options.textTypes.map((oid) => [oid, keepText])),
  });
  prepared = new PreparedStatements(pglite);
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ ready: false, error: fields(error) });
  process.exit(1);
}

async function answer(message) {
  switch (message.op) {
    case 'query': {
      // begin or a savepoint sent with the statement after it (pglite-pool.ts): one message, not two
      if (message.before) await pglite.exec(message.before);
      const result = await (message.named ? prepared : pglite).query(message.sql, message.params);
      return { rows: result.rows, affectedRows: result.affectedRows };
    }
    case 'exec': {
      const result = (await pglite.exec(message.sql)).at(-1);
      return { rows: result?.rows ?? [], affectedRows: result?.affectedRows ?? 0 };
    }
    case 'dump': {
      const blob = await pglite.dumpDataDir('none');
      return { dump: await blob.arrayBuffer() };
    }
    case 'close':
      await pglite.close();
      return {};
    default:
      throw new Error(`unknown operation ${message.op}`);
  }
}

// One at a time, in order: the main thread's pool already gives the session to one caller.
let queue = Promise.resolve();
parentPort.on('message', (message) => {
  queue = queue.then(async () => {
    try {
      const result = await answer(message);
      parentPort.postMessage({ id: message.id, ok: true, ...result }, result.dump ? [result.dump] : []);
    } catch (error) {
      parentPort.postMessage({ id: message.id, ok: false, error: fields(error) });
    }
    if (message.op === 'close') parentPort.close();
  });
});
