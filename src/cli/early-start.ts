import { pgliteWasmModule } from '../store/pglite-wasm.js';

// Imported first by main.ts, so this runs before the rest of the CLI is evaluated: `ordo serve`
// on the embedded database (no DATABASE_URL) starts compiling PGlite's WebAssembly now, on V8's
// background threads, rather than after every module has loaded (issue 19 item 6). A failure
// here is not reported: opening the database compiles again and reports it.
if (process.argv[2] === 'serve' && !process.env.DATABASE_URL) pgliteWasmModule().catch(() => undefined);
