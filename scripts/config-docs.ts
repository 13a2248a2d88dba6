// `npm run config:docs`: rewrites README.md's configuration table (between <!-- config:start -->
// and <!-- config:end -->) from the settings schema in src/config.ts. test/config.test.ts fails
// when the README and the schema disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withConfigDocs } from '../src/config.js';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
const after = withConfigDocs(before);
if (after === before) console.log('README.md configuration table is up to date');
else {
  writeFileSync(readme, after);
  console.log('README.md configuration table rewritten from src/config.ts');
}
