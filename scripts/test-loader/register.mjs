// `node --import ./scripts/test-loader/register.mjs`: runs the TypeScript sources and tests as they
// are, for `npm test`. Each .ts file is compiled alone by esbuild (types stripped; `npm run
// typecheck` checks them) and cached on disk. It does what tsx does for this code base, at about
// half its start-up cost: tsx's general resolver took ~2 s of CPU to load the app's ~600 modules in
// each test process (~25 per database: scripts/run-tests.mjs puts ~8 test files in each).
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./hooks.mjs', import.meta.url);
