import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
/** (this project's TypeScript settings have no DOM library, which declares WebAssembly) */
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } })
  .WebAssembly;

let compiled: Promise<WasmModule> | undefined;

/**
 * PGlite's WebAssembly module (9 MB), compiled once per process and handed to every PGlite this
 * process opens. V8 compiles it on background threads: `ordo serve` starts it before the rest of
 * the program is evaluated (src/cli/early-start.ts), so the compilation overlaps that second of
 * module loading instead of following it.
 */
export function pgliteWasmModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    return wasm.compile(readFileSync(join(dirname(entry), 'pglite.wasm')));
  })();
  return compiled;
}
