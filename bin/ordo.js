#!/usr/bin/env node
// `npx ordo …`: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';
register();
process.env.ORDO_CLI = '1';
await import('../src/cli/main.ts');
