import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { main } from '../../src/cli/main.js';
import { createScratchDatabase } from '../../src/store/scratch-database.js';

/** Runs `ordo …` in this process and returns its exit code and what it printed. */
async function ordo(env: NodeJS.ProcessEnv, ...argv: string[]) {
  const printed: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...parts: unknown[]) => printed.push(parts.join(' '));
  console.error = (...parts: unknown[]) => printed.push(parts.join(' '));
  try {
    const code = await main(argv, env);
    return { code, out: printed.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

// each command opens (and migrates) the database like a real run: a few seconds apiece on the embedded one
describe('ordo tenant: the platform operator at the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-tenant-cli-'));
  let env: NodeJS.ProcessEnv;
  let drop = async () => {};
  before(async () => {
    const base = process.env.TEST_DATABASE_URL;
    if (base) {
      const scratch = await createScratchDatabase(base, 'ordo_t');
      env = { DATABASE_URL: scratch.url };
      drop = scratch.drop;
    } else env = { ORDO_DATA_DIR: join(dir, 'data') };
  });
  after(async () => {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('create prints the first admin key; list, suspend, resume, limits, export and delete work on the slug', async () => {
    const created = await ordo(
      env,
      'tenant',
      'create',
      '--slug',
      'sklep-gdansk',
      '--name',
      'Sklep Gdańsk',
      '--admin-email',
      'admin@gdansk.example.pl',
      '--admin-name',
      'Józef Gdański',
    );
    assert.equal(created.code, 0, created.out);
    assert.match(created.out, /admin API key \(shown once\): ordo_[0-9a-f]{8}_\S{43}/);
    assert.match(created.out, /admin@gdansk\.example\.pl \/ \S{20,}/, 'the generated password is printed once');

    const suspended = await ordo(env, 'tenant', 'suspend', 'sklep-gdansk', '--reason', 'nie zapłacono');
    assert.equal(suspended.code, 0, suspended.out);
    assert.match(suspended.out, /sklep-gdansk\s+suspended.*\(nie zapłacono\)/);
    assert.match((await ordo(env, 'tenant', 'resume', 'sklep-gdansk')).out, /sklep-gdansk\s+active/);
    const limited = await ordo(env, 'tenant', 'limits', 'sklep-gdansk', '--rps', '50', '--orders-per-day', '1000');
    assert.match(limited.out, /rps 50 .*orders\/day 0\/1000/);

    const file = join(dir, 'export.ndjson.gz');
    const exported = await ordo(env, 'tenant', 'export', 'sklep-gdansk', '--out', file);
    assert.equal(exported.code, 0, exported.out);
    const lines = gunzipSync(readFileSync(file))
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((x) => JSON.parse(x));
    assert.equal(lines[0].tenant.slug, 'sklep-gdansk');
    assert.ok(lines.some((x) => x.table === 'users' && x.row.email === 'admin@gdansk.example.pl'));

    const deleted = await ordo(
      env,
      'tenant',
      'delete',
      'sklep-gdansk',
      '--reason',
      'test',
      '--confirm',
      'sklep-gdansk',
    );
    assert.equal(deleted.code, 0, deleted.out);
    assert.match(deleted.out, /deleted and erased/);
    assert.doesNotMatch((await ordo(env, 'tenant', 'list')).out, /sklep-gdansk/, 'only its tombstone is left');

    const key = await ordo(env, 'platform-key', 'create', '--name', 'ops');
    assert.match(key.out, /^ordop_[0-9a-f]{8}_\S{43}$/m);
  });
});
