// Writes the OpenAPI document the code produces to openapi/openapi.json and the types generated
// from it (openapi-typescript) to clients/typescript/src/schema.d.ts. Both files are committed:
// the console and the @ordo/client package are typed from them.
//
//   npm run openapi              regenerate both files
//   npm run openapi -- --check   fail (exit 1) when a committed file differs from what the code
//                                produces: run in CI so the document and the client stay true
//
// The app is built as the tests build it (no listening); the database is an in-memory PGlite,
// which the document does not depend on.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { buildApp } from '../src/api/app.js';
import { compose } from '../src/compose.js';
import { openDatabase } from '../src/store/db.js';
import { systemClock } from '../src/shared/clock.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DOCUMENT = `${root}openapi/openapi.json`;
const TYPES = `${root}clients/typescript/src/schema.d.ts`;
const check = process.argv.includes('--check');

async function produce(): Promise<{ document: string; types: string }> {
  const database = await openDatabase({ dataDir: 'memory://' });
  try {
    const app = await buildApp({
      db: database.db,
      dbKind: database.kind,
      clock: systemClock,
      ready: async () => true,
      processes: compose({ clock: systemClock }).processes,
    });
    await app.ready();
    const spec = app.swagger() as Record<string, unknown>;
    await app.close();
    const document = `${JSON.stringify(spec, null, 2)}\n`;
    // defaultNonNullable: false — a field with a default is optional in a request body (the
    // document's `required` lists already say which response fields are always present)
    const ast = await openapiTS(JSON.parse(document), { alphabetize: false, defaultNonNullable: false });
    const header =
      '/**\n * Generated from openapi/openapi.json by `npm run openapi` (openapi-typescript). Do not edit.\n */\n\n';
    return { document, types: header + astToString(ast) };
  } finally {
    await database.close();
  }
}

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

const { document, types } = await produce();
const outputs: [string, string][] = [
  [DOCUMENT, document],
  [TYPES, types],
];
if (check) {
  const stale = outputs.filter(([path, text]) => read(path) !== text).map(([path]) => relative(root, path));
  if (stale.length > 0) {
    console.error(
      `openapi: out of date with the code: ${stale.join(', ')}\n  run \`npm run openapi\` and commit the result`,
    );
    process.exit(1);
  }
  console.log('openapi: openapi/openapi.json and clients/typescript/src/schema.d.ts match the code');
} else {
  for (const [path, text] of outputs) {
    mkdirSync(dirname(path), { recursive: true });
    if (read(path) !== text) writeFileSync(path, text);
    console.log(`openapi: wrote ${relative(root, path)}`);
  }
}
