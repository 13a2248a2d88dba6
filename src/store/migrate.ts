import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const folder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Migrations are the files in ./migrations, applied in name order; the same set on both back ends. */
function migrationFiles(): string[] {
  return readdirSync(folder)
    .filter((name) => /^\d{4}_.+\.(ts|js)$/.test(name) && !name.endsWith('.d.ts'))
    .sort();
}

class FolderProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const item of migrationFiles()) {
      out[item.replace(/\.(ts|js)$/, '')] = (await import(pathToFileURL(join(folder, item)).href)) as Migration;
    }
    return out;
  }
}

/**
 * True when the database already has exactly the migrations in ./migrations, by one cheap
 * read of Kysely's bookkeeping table; then start-up skips importing every migration module
 * and taking the migration lock (most of an existing data folder's start time on PGlite).
 */
export async function isAtLatest(db: Kysely<any>): Promise<boolean> {
  const present = await sql<{ found: string | null }>`select to_regclass('kysely_migration')::text as found`.execute(
    db,
  );
  if (!present.rows[0]?.found) return false;
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  const names = migrationFiles().map((item) => item.replace(/\.(ts|js)$/, ''));
  return applied.rows.length === names.length && applied.rows.every((row, index) => row.name === names[index]);
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  if (await isAtLatest(db)) return [];
  const migrator = new Migrator({ db, provider: new FolderProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
