#!/usr/bin/env node
// `npx ordo …`: runs the compiled CLI (dist/, `npm run build`) when it is there and up to date;
// in development, when dist/ is missing or older than src/, the TypeScript CLI through tsx's
// loader (a dev dependency). A production install (`npm ci --omit=dev`) has no tsx: it always
// runs dist/, and says how to build it when it is missing.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiledUrl = new URL('../dist/cli/main.js', import.meta.url);
const compiled = fileURLToPath(compiledUrl);

async function tsxLoader() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

async function stale() {
  try {
    const { serverBuildNeeded } = await import('../scripts/build.mjs');
    return serverBuildNeeded();
  } catch {
    return false; // no build script (a packaged release): dist/ is all there is
  }
}

const tsx = !existsSync(compiled) || (await stale()) ? await tsxLoader() : null;
if (tsx) {
  tsx.register();
  const { run } = await import('../src/cli/main.ts');
  run(process.argv.slice(2));
} else if (existsSync(compiled)) {
  const { run } = await import(compiledUrl.href);
  run(process.argv.slice(2));
} else {
  console.error(
    'ordo: dist/ is not built and tsx is not installed. Run `npm ci && npm run build` (see README, Production).',
  );
  process.exit(1);
}
