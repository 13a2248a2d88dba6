import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { processDefinitionSchema } from './definition-schema.js';
import { shippedSources, testActions } from './test-fixtures.js';
import { JSON_SCHEMA_PATH, renderJsonSchema } from './write-json-schema.js';

describe('published JSON Schema', () => {
  it('Given the zod schema, Then the committed process-definition.schema.json is current (regenerate: npx tsx src/process/write-json-schema.ts)', () => {
    assert.equal(readFileSync(JSON_SCHEMA_PATH, 'utf8'), renderJsonSchema());
  });

  it('Given the JSON Schema, Then it closes states to unknown properties and lists the task kinds', () => {
    const schema = JSON.parse(readFileSync(JSON_SCHEMA_PATH, 'utf8'));
    const state = schema.properties.states.additionalProperties;
    assert.equal(state.additionalProperties, false);
    assert.deepEqual(state.properties.task.properties.kind.enum, ['approval', 'resolve', 'review', 'confirm', 'input']);
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  it('Given every shipped process, Then the zod schema accepts it and every action it uses is registered', () => {
    for (const { file, source } of shippedSources()) {
      const raw = parse(source);
      assert.equal(processDefinitionSchema.safeParse(raw).success, true, file);
      for (const s of Object.values(raw.states) as { enter?: { action: string }[] }[]) {
        for (const a of s.enter ?? []) assert.ok(testActions.has(a.action), `${file}: ${a.action}`);
      }
    }
  });
});
