// `node --import ./scripts/test-loader/register.mjs`: runs the TypeScript sources and tests as they
// are, for `npm test`. Each .ts file is compiled alone by esbuild (types stripped; `npm run
// typecheck` checks them) and cached on disk. It does what tsx does for this code base, at about
// half its start-up cost: tsx's general resolver took ~2 s of CPU per test process to load the
// app's ~600 modules, and the suite starts ~130 processes on each database.
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./hooks.mjs', import.meta.url);
