#!/usr/bin/env node
// Builds the console (web/ → web/dist) with Vite's JS API, only when a source is newer than
// the last build, so `npm start` and CI pay for a build once. `--force` always builds.
// Exit code 0 when dist is up to date or was built; 1 when the build failed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(repo, 'web');
const dist = join(web, 'dist');
const marker = join(dist, 'index.html');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) {
    if (name === 'dist' || name === 'node_modules') continue;
    t = Math.max(t, newest(join(path, name)));
  }
  return t;
}

/** True when web/dist is missing or older than any console source. */
export function webBuildNeeded() {
  if (!existsSync(marker)) return true;
  const sources = ['src', 'index.html', 'vite.config.ts', 'tsconfig.json'].map((p) => join(web, p)).filter((p) => existsSync(p));
  return Math.max(...sources.map(newest)) > statSync(marker).mtimeMs;
}

/** Builds web/dist when needed; returns whether a build ran. */
export async function buildWeb({ force = false, quiet = false } = {}) {
  if (!force && !webBuildNeeded()) {
    if (!quiet) console.log('console: web/dist is up to date');
    return false;
  }
  // The test runner sets NODE_ENV=test; React would then be bundled in its development
  // build (jsx-dev-runtime, several times larger and slower). The console ships production.
  process.env.NODE_ENV = 'production';
  const { build } = await import('vite');
  const started = Date.now();
  await build({ configFile: join(web, 'vite.config.ts'), root: web, mode: 'production', logLevel: quiet ? 'warn' : 'info' });
  if (!quiet) console.log(`console: built web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb({ force: process.argv.includes('--force'), quiet: process.argv.includes('--quiet') })
    .catch((e) => { console.error(e); process.exit(1); });
}
