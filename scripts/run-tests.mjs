#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through
// scripts/test-loader).
// The same suite runs on the embedded database (default) and on PostgreSQL when
// TEST_DATABASE_URL is set. Extra arguments narrow the run to matching paths.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = ['src', 'test']
  .flatMap((d) => walk(d))
  .sort()
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const db = process.env.TEST_DATABASE_URL ? 'postgresql' : 'pglite';
// Test files are independent (each has its own database, ports and servers), so two run at once
// even on two cores: one waits on its database or browser while the other computes.
const concurrency = Number(process.env.ORDO_TEST_CONCURRENCY ?? Math.max(2, availableParallelism() - 1));
console.log(`ordo tests: ${files.length} files on ${db}, ${concurrency} at a time`);
const tap = join(tmpdir(), `ordo-tests-${process.pid}.tap`);
const r = spawnSync(
  process.execPath,
  [
    '--import',
    new URL('./test-loader/register.mjs', import.meta.url).href,
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
// A plain closing line that any CI can read, from the TAP summary.
const summary = readFileSync(tap, 'utf8');
const count = (k) => Number((summary.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
rmSync(tap, { force: true });
console.log(`${db}: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
process.exit(r.status ?? 1);
