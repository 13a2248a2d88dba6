#!/usr/bin/env node
// Builds the console (web/ → web/dist) with Vite's JS API, only when a source is newer than
// the last build, so `npm start` and CI pay for a build once. `--force` always builds.
// Every compressible file of 1 KB or more gets a .br and a .gz beside it, compressed once at
// the highest levels, which the server sends as they are (@fastify/static preCompressed).
// Exit code 0 when dist is up to date or was built; 1 when the build failed.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
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
  // This script too: a dist/ from an older build script (without .br/.gz) is rebuilt.
  const sources = ['src', 'index.html', 'vite.config.ts', 'tsconfig.json']
    .map((p) => join(web, p))
    .concat(fileURLToPath(import.meta.url))
    .filter((p) => existsSync(p));
  return Math.max(...sources.map(newest)) > statSync(marker).mtimeMs;
}

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|map|wasm)$/;

/** Writes name.br and name.gz next to each compressible file in dir; returns the byte counts. */
export function precompress(dir) {
  const sizes = { files: 0, raw: 0, br: 0, gz: 0 };
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      const sub = precompress(path);
      for (const k of Object.keys(sizes)) sizes[k] += sub[k];
      continue;
    }
    if (!COMPRESSIBLE.test(name)) continue;
    const raw = readFileSync(path);
    if (raw.length < 1024) continue;
    const br = brotliCompressSync(raw, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
    });
    const gz = gzipSync(raw, { level: 9 });
    // A compressed copy no smaller than the file is not worth sending; the server then sends the file.
    if (br.length < raw.length) writeFileSync(`${path}.br`, br);
    if (gz.length < raw.length) writeFileSync(`${path}.gz`, gz);
    sizes.files += 1;
    sizes.raw += raw.length;
    sizes.br += Math.min(br.length, raw.length);
    sizes.gz += Math.min(gz.length, raw.length);
  }
  return sizes;
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
  await build({
    configFile: join(web, 'vite.config.ts'),
    root: web,
    mode: 'production',
    logLevel: quiet ? 'warn' : 'info',
  });
  const z = precompress(dist);
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  if (!quiet)
    console.log(
      `console: built web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s; ${z.files} files ${kb(z.raw)} → br ${kb(z.br)}, gzip ${kb(z.gz)}`,
    );
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb({ force: process.argv.includes('--force'), quiet: process.argv.includes('--quiet') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
