import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const folder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Migrations are the files in ./migrations, applied in name order; the same set on both back ends. */
class FolderProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const item of readdirSync(folder)
      .filter((n) => /^\d{4}_.+\.(ts|js)$/.test(n) && !n.endsWith('.d.ts'))
      .sort()) {
      out[item.replace(/\.(ts|js)$/, '')] = (await import(pathToFileURL(join(folder, item)).href)) as Migration;
    }
    return out;
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
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
