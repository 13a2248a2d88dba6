#!/usr/bin/env node
// `npx ordo …`: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';
register();
const { run } = await import('../src/cli/main.ts');
run(process.argv.slice(2));
