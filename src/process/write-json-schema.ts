// Regenerates the published JSON Schema from the zod schema:
//   npx tsx src/process/write-json-schema.ts
// definition-schema.test.ts fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processDefinitionJsonSchema } from './definition-schema.js';

export const JSON_SCHEMA_PATH = fileURLToPath(new URL('./process-definition.schema.json', import.meta.url));

export function renderJsonSchema(): string {
  return JSON.stringify(processDefinitionJsonSchema(), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(JSON_SCHEMA_PATH, renderJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_PATH}`);
}
