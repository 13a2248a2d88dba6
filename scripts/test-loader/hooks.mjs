// Module hooks for register.mjs (they run on Node's loader thread).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync, version } from 'esbuild';

const cache = join(tmpdir(), `ordo-ts-${process.getuid?.() ?? 'user'}`);
mkdirSync(cache, { recursive: true });

// As tsconfig.json compiles: ES2022 class fields, imports kept as written (verbatimModuleSyntax).
const options = {
  format: 'esm',
  target: 'es2022',
  sourcemap: 'inline',
  tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
};

/** `./x.js` written in a TypeScript file means `./x.ts` (NodeNext), when there is no x.js. */
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (
    parent?.startsWith('file:') &&
    !parent.includes('/node_modules/') &&
    specifier.endsWith('.js') &&
    (specifier.startsWith('.') || specifier.startsWith('file:'))
  ) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (existsSync(fileURLToPath(ts))) return { url: ts.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !(url.endsWith('.ts') || url.endsWith('.mts'))) return next(url, context);
  const path = fileURLToPath(url);
  const source = readFileSync(path, 'utf8');
  const key = createHash('sha1').update(version).update(path).update(source).digest('hex');
  const cached = join(cache, `${key}.js`);
  if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  const { code } = transformSync(source, { ...options, loader: 'ts', sourcefile: path });
  // beside, then renamed: a process reading the cache never sees half a file
  const partial = `${cached}.${process.pid}`;
  writeFileSync(partial, code);
  renameSync(partial, cached);
  return { format: 'module', source: code, shortCircuit: true };
}
