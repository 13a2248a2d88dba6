import { pgliteWasmModule } from '../store/pglite-wasm.js';
import { openEarly } from '../store/pglite-thread.js';

// main.ts's only static import, so this runs before the program and its packages are loaded
// (issue 19 item 6). `ordo serve` on the embedded database (no DATABASE_URL) opens its data folder now, on
// PGlite's own thread, while this thread loads the rest of the program; a memory database only
// starts compiling PGlite's WebAssembly (on V8's background threads). A failure here is not
// reported: `openDatabase` reports it, or opens again and reports that.
if (process.argv[2] === 'serve' && !process.env.DATABASE_URL?.trim()) {
  const dataDir = process.env.ORDO_DATA_DIR?.trim() || './data';
  if (dataDir.startsWith('memory://')) pgliteWasmModule().catch(() => undefined);
  else openEarly(dataDir);
}
