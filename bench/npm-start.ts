/**
 * How `npm start` runs the embedded server: the environment and node options of package.json's
 * `start` script (the allocator's tunables, V8's heap options), read from the script itself so
 * that a bench of the embedded database measures the server as users run it and follows the
 * script when it changes. BENCH_NPM_START=off: a plain `node` with no options, for comparison.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NpmStartRuntime {
  env: Record<string, string>;
  nodeFlags: string[];
}

export function npmStartRuntime(root: string): NpmStartRuntime {
  if (process.env.BENCH_NPM_START === 'off') return { env: {}, nodeFlags: [] };
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts.start!;
  // the last command of the script: NAME=value … node --flag … dist/cli/main.js serve …
  const words = script.split('&&').at(-1)!.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let at = 0;
  for (; /^[A-Z_]+=/.test(words[at] ?? ''); at++) {
    const [name, ...value] = words[at]!.split('=');
    env[name!] = value.join('=');
  }
  if (words[at] !== 'node') throw new Error(`package.json's start script does not run node: ${script}`);
  const main = words.indexOf('dist/cli/main.js');
  if (main < 0) throw new Error(`package.json's start script does not run dist/cli/main.js: ${script}`);
  return { env, nodeFlags: words.slice(at + 1, main) };
}

/** The runtime in words, for a bench's header. */
export const describeRuntime = (runtime: NpmStartRuntime) =>
  [...Object.entries(runtime.env).map(([k, v]) => `${k}=${v}`), ...runtime.nodeFlags].join(' ') || 'plain node';

/**
 * A `node --input-type=module -e` script that opens the embedded database's folder given as its
 * first argument as Ordo opens it (with pg_trgm) as `db`, then runs `body`: a bench's own use of
 * a data folder, in a child process, without Ordo's code.
 */
export const pgliteScript = (body: string) =>
  `const {PGlite}=await import('@electric-sql/pglite');const {pg_trgm}=await import('@electric-sql/pglite/contrib/pg_trgm');const db=await PGlite.create(process.argv[1],{extensions:{pg_trgm}});${body}`;
