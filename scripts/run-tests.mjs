#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (TypeScript through
// scripts/test-loader).
// The same suite runs on the embedded database (default) and on PostgreSQL when
// TEST_DATABASE_URL is set. Extra arguments narrow the run to matching paths.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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

// Several test files share one process, one file after another, each as a suite named by its path
// (its hooks, tests and top-level code stay its own). A process costs ~1.5-2 s of CPU before its
// first test — loading ~900 modules through the TypeScript loader, reading the database template —
// and the suite has ~200 files. Groups are formed by weight (a browser file took ~23 s against ~4 s
// for the others' mean: it weighs 8), heaviest first, more groups than processes at a time, so the
// runner can even out the tail. ORDO_TEST_GROUP=1 runs every file in its own process, as `node --test` does.
const perGroup = Math.max(1, Number(process.env.ORDO_TEST_GROUP) || 8);
// the browser files skip on PostgreSQL unless ORDO_BROWSER_TESTS=all (README)
const browsers = db === 'pglite' || process.env.ORDO_BROWSER_TESTS === 'all';
const weight = (f) => (browsers && f.startsWith(join('test', 'web')) ? 8 : 1);
const groupCount = Math.min(files.length, Math.max(concurrency, Math.ceil(files.length / perGroup)));
const groups = Array.from({ length: groupCount }, () => ({ files: [], weight: 0 }));
for (const f of [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
  const lightest = groups.reduce((min, g) => (g.weight < min.weight ? g : min));
  lightest.files.push(f);
  lightest.weight += weight(f);
}
groups.sort((a, b) => b.weight - a.weight);
const dir = mkdtempSync(join(tmpdir(), 'ordo-test-groups-'));
const entries = groups.map((g, i) => {
  const entry = join(dir, `group-${String(i + 1).padStart(3, '0')}.mjs`);
  const list = g.files.sort().map((f) => [f, pathToFileURL(resolve(f)).href]);
  writeFileSync(
    entry,
    `import { describe } from 'node:test';\n` +
      `for (const [file, url] of ${JSON.stringify(list)}) await describe(file, async () => { await import(url); });\n`,
  );
  return entry;
});

console.log(`ordo tests: ${files.length} files on ${db}, in ${entries.length} processes, ${concurrency} at a time`);
const tap = join(dir, 'results.tap');
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
    ...entries,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
// A plain closing line that any CI can read, from the TAP summary.
const summary = readFileSync(tap, 'utf8');
const count = (k) => Number((summary.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
// each file is a suite at the top: one that failed to load has no test to count, so it is named
const failing = [...summary.matchAll(/^not ok \d+ - (\S+\.test\.ts)$/gm)].map((m) => m[1]);
rmSync(dir, { recursive: true, force: true });
console.log(
  `${db}: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped` +
    (failing.length ? `; failing files: ${failing.join(', ')}` : ''),
);
process.exit(r.status ?? 1);
