import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, pgliteOptions } from './db.js';
import { lockHolder, takeLock } from './data-dir-lock.js';
import { migrateToLatest } from './migrate.js';

/**
 * `ordo backup` / `ordo restore` for the embedded database (PGlite). A backup is PGlite's own
 * dump of the data folder (a gzipped tar: the database files and whatever else the folder holds,
 * `secrets.key` included — keep backups as secret as the key). PostgreSQL is backed up with its
 * own tools (docs/backup.md).
 */

export type BackupPhase = 'dumping' | 'writing' | 'reading' | 'loading' | 'migrating' | 'checking';
export type OnProgress = (phase: BackupPhase, done: number, total: number) => void;

const quiet: OnProgress = () => {};

export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

function inUse(dir: string): void {
  const pid = lockHolder(dir);
  if (pid !== null)
    throw new BackupRefused(
      `the embedded database in ${dir} is in use by process ${pid}; stop it first (PGlite has a single session)`,
    );
}

/** Dumps the data folder into `file` (written beside it, then renamed: never a half file under the name). */
export async function backupEmbedded(
  dataDir: string,
  file: string,
  onProgress: OnProgress = quiet,
): Promise<{ bytes: number }> {
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, 'PG_VERSION'))) throw new BackupRefused(`${dir} holds no embedded database`);
  inUse(dir);
  const unlock = takeLock(dir);
  let dump: Blob;
  try {
    onProgress('dumping', 0, 1);
    const pgl = await PGlite.create(dir, pgliteOptions());
    try {
      dump = await pgl.dumpDataDir('gzip');
    } finally {
      await pgl.close();
    }
    onProgress('dumping', 1, 1);
  } finally {
    unlock();
  }
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  let written = 0;
  try {
    const reader = dump.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!out.write(value)) await once(out, 'drain');
      written += value.byteLength;
      onProgress('writing', written, dump.size);
    }
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    rmSync(partial, { force: true });
    throw error;
  }
  renameSync(partial, file);
  return { bytes: written };
}

export interface RestoreResult {
  /** Migrations applied after the load (a backup from an older Ordo). */
  migrated: string[];
  tenants: number;
  orders: number;
  /** Where the folder that was there went (--force), to delete once the restore is checked. */
  previous: string | null;
}

/**
 * Loads a backup into the data folder. Refused while a process holds the folder, and over a
 * folder that is not empty unless `force` — then the old folder is moved aside, not deleted.
 * The restored database is opened, migrated to this version and checked before it is reported.
 */
export async function restoreEmbedded(
  dataDir: string,
  file: string,
  opts: { force?: boolean; now?: Date } = {},
  onProgress: OnProgress = quiet,
): Promise<RestoreResult> {
  const dir = resolve(dataDir);
  if (!existsSync(file) || !statSync(file).isFile()) throw new BackupRefused(`no backup file ${file}`);
  let previous: string | null = null;
  if (existsSync(dir)) {
    inUse(dir);
    if (readdirSync(dir).length > 0) {
      if (!opts.force)
        throw new BackupRefused(`${dir} is not empty; pass --force to move it aside and restore in its place`);
      previous = `${dir}.before-restore-${(opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
      renameSync(dir, previous);
    }
  }
  mkdirSync(dir, { recursive: true });
  try {
    const size = statSync(file).size;
    const chunks: Buffer[] = [];
    let read = 0;
    for await (const chunk of createReadStream(file)) {
      chunks.push(chunk as Buffer);
      read += (chunk as Buffer).length;
      onProgress('reading', read, size);
    }
    onProgress('loading', 0, 1);
    const pgl = await PGlite.create(dir, { ...pgliteOptions(), loadDataDir: new Blob(chunks) });
    await pgl.close();
    // the backup carries the lock file of the process that made it
    rmSync(join(dir, 'ordo.lock'), { force: true });
    onProgress('loading', 1, 1);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    if (previous) renameSync(previous, dir);
    throw new BackupRefused(`${file} is not a backup Ordo can load: ${(error as Error).message}`);
  }
  onProgress('migrating', 0, 1);
  const database = await openDatabase({ dataDir: dir });
  try {
    const migrated = await migrateToLatest(database.db);
    onProgress('migrating', 1, 1);
    onProgress('checking', 0, 1);
    const tenants = await database.db
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const orders = await database.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    onProgress('checking', 1, 1);
    return { migrated, tenants: Number(tenants.n), orders: Number(orders.n), previous };
  } finally {
    await database.close();
  }
}
