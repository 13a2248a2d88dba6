// The entry (`node dist/cli/main.js`, `npx ordo`). `ordo serve` on the embedded database opens its
// data folder on PGlite's own thread first (early-start.ts), and only then is the program loaded
// (program.ts, with every package it imports): the two overlap, where a static import would load
// all of the program's packages before the first line here ran (issue 19 item 6). The build keeps
// the program in its own file for this (scripts/build.mjs `bundleCli`).
import './early-start.js';

const program = () => import('./program.js');

/** Runs a command line; answers its exit code, or -1 while it keeps running (serve). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return (await program()).main(argv, env);
}

/** Runs a command line and exits with its code (unless it keeps running, as serve does). */
export function run(argv: string[]): void {
  program().then(
    (loaded) => loaded.run(argv),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isEntry) run(process.argv.slice(2));
