#!/usr/bin/env node
// `npm run build`: compiles the server (src/ → dist/, tsc -p tsconfig.build.json) and builds the
// console (web/ → web/dist, Vite, with .br/.gz next to each asset). The two run side by side.
//   --if-needed  skip each half whose outputs are newer than its sources (what `npm start` uses)
//   --quiet      print warnings and errors only
// Production runs `node dist/cli/main.js serve` with no TypeScript loader; only this build needs
// the dev dependencies (typescript, esbuild, vite). Exit code 0 when both are built or up to date.
// dist/cli/main.js is then a few files: esbuild bundles tsc's output of the CLI and every module
// it imports (packages stay imports of node_modules), so a start does not resolve, read and link
// ~700 files one by one (issue 19 item 6, bench/RESULTS.md "Embedded start, second session").
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb, webBuildNeeded } from './build-web.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(repo, 'src');
const dist = join(repo, 'dist');
/** Written last by a successful server build; its mtime is the build's time. */
const stamp = join(dist, '.build-stamp');

/** Sources the compiled server depends on: src/ without tests, the compiler settings and this script. */
function isServerSource(path) {
  return !path.endsWith('.test.ts') && !path.includes(`${join('src', 'integrations', 'carriers', 'fixtures')}`);
}

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return isServerSource(path) ? s.mtimeMs : 0;
  let t = s.mtimeMs; // a deleted file shows as a newer directory
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

/** True when dist/ is missing or older than a server source (dist/ without src/ is a release: never). */
export function serverBuildNeeded() {
  if (!existsSync(src)) return false;
  if (!existsSync(stamp)) return true;
  const inputs = [
    src,
    join(repo, 'tsconfig.json'),
    join(repo, 'tsconfig.build.json'),
    join(repo, 'scripts', 'build.mjs'),
  ].filter((p) => existsSync(p));
  return Math.max(...inputs.map(newest)) > statSync(stamp).mtimeMs;
}

/** Files the server reads next to its sources at run time (not TypeScript, so tsc skips them). */
function copyAssets(from, to) {
  for (const name of readdirSync(from)) {
    const a = join(from, name);
    if (statSync(a).isDirectory()) {
      if (name === 'fixtures' || name === 'testing') continue; // test data only
      copyAssets(a, join(to, name));
    } else if (!name.endsWith('.ts')) {
      mkdirSync(to, { recursive: true });
      copyFileSync(a, join(to, name));
    }
  }
}

function requireFrom(spec, why) {
  try {
    return createRequire(join(repo, 'package.json')).resolve(spec);
  } catch {
    throw new Error(
      `${why} needs ${spec.split('/')[0]}, a dev dependency: run \`npm ci\` (without --omit=dev), then \`npm run build\``,
    );
  }
}

/** Compiles src/ into a clean dist/ (a deleted migration must not survive as a stale .js). */
export async function buildServer({ quiet = false } = {}) {
  const tsc = requireFrom('typescript/bin/tsc', 'compiling the server');
  const started = Date.now();
  rmSync(dist, { recursive: true, force: true });
  const code = await new Promise((done, fail) => {
    const child = spawn(process.execPath, [tsc, '-p', join(repo, 'tsconfig.build.json')], {
      cwd: repo,
      stdio: 'inherit',
    });
    child.on('error', fail);
    child.on('exit', (c) => done(c ?? 1));
  });
  if (code !== 0) {
    rmSync(stamp, { force: true });
    throw new Error(`tsc -p tsconfig.build.json failed (exit ${code})`);
  }
  copyAssets(src, dist);
  await bundleCli();
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  if (!quiet)
    console.log(
      `server: compiled ${relative(process.cwd(), src) || '.'} → dist in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  return true;
}

/**
 * Bundles tsc's dist/cli/main.js with the dist/ modules it imports into dist/cli/main.js and the
 * chunks beside it (the program, loaded by main.js, and what both share). The
 * rest of dist/ stays as tsc wrote it: `import.meta.url` in each bundled module is rewritten to
 * that module's own file in dist/, so the paths it resolves (./migrations, ../../web/dist,
 * ../../../processes, schemas, the HiGHS worker) hold as before. Packages are not bundled: they
 * load from node_modules, as in a production install (`npm ci --omit=dev`).
 */
export async function bundleCli() {
  const esbuild = createRequire(import.meta.url)(requireFrom('esbuild', 'bundling the server'));
  const entry = join(dist, 'cli', 'main.js');
  const bundleDir = dirname(entry);
  await esbuild.build({
    entryPoints: [entry],
    // main.js and what it imports at once (the early open of the embedded database), and the
    // program it imports dynamically as a file of its own (src/cli/main.ts): its packages load
    // only when it does, while PGlite opens. Chunks sit next to main.js, as the rewrite below expects.
    outdir: bundleDir,
    splitting: true,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    allowOverwrite: true,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: 'linked',
    logLevel: 'warning',
    plugins: [
      {
        name: 'own-import-meta-url',
        setup(build) {
          build.onLoad({ filter: /\.js$/ }, async (args) => {
            if (!args.path.startsWith(dist + sep)) return undefined;
            const contents = readFileSync(args.path, 'utf8');
            if (!contents.includes('import.meta.url')) return { contents, loader: 'js' };
            let own = relative(bundleDir, args.path).split(sep).join('/');
            if (!own.startsWith('.')) own = `./${own}`;
            return {
              contents: contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`),
              loader: 'js',
            };
          });
        },
      },
    ],
  });
}

export async function build({ ifNeeded = false, quiet = false } = {}) {
  const server = !ifNeeded || serverBuildNeeded();
  const web = !ifNeeded || webBuildNeeded();
  if (web) requireFrom('vite', 'building the console');
  if (!server && !quiet) console.log('server: dist is up to date');
  const results = await Promise.allSettled([
    server ? buildServer({ quiet }) : Promise.resolve(false),
    web ? buildWeb({ force: true, quiet }) : buildWeb({ quiet }),
  ]);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  for (const e of failed.slice(0, -1)) console.error(e instanceof Error ? e.message : e);
  if (failed.length) throw failed.at(-1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build({ ifNeeded: process.argv.includes('--if-needed'), quiet: process.argv.includes('--quiet') }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
