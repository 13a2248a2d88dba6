/**
 * The embedded database's start (issue 19, item 6): time from spawning `ordo serve` on PGlite
 * to its first answer on /readyz, on a fresh and on an existing data folder, with the server's
 * RSS at that moment; the baseline is raw PGlite opening the same folder and answering
 * `select 1` in a child process. Usage: npm run bench:embedded [-- rounds]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';

const rounds = Number(process.argv[2] ?? 3);
const root = join(import.meta.dirname, '..');

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function serverStart(dataDir: string, port: number): Promise<{ ms: number; rss: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'serve'], {
    env: { ...process.env, ORDO_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      try {
        const answer = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (answer.status < 500) return { ms: performance.now() - started, rss: rssMb(child.pid!) };
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 180_000) throw new Error('server did not answer within 180 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

function rawStart(dataDir: string): { ms: number; rss: number } {
  const script = `const t=performance.now();const {PGlite}=await import('@electric-sql/pglite');const {pg_trgm}=await import('@electric-sql/pglite/contrib/pg_trgm');const p=await PGlite.create(${JSON.stringify(dataDir)},{extensions:{pg_trgm}});await p.query('select 1');console.log(JSON.stringify({ms:performance.now()-t,rss:process.memoryUsage().rss/1048576}));await p.close();`;
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  const parsed = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { ms: number; rss: number };
  return { ms: performance.now() - started, rss: parsed.rss };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const fresh: number[] = [];
const existing: number[] = [];
const rss: number[] = [];
const raw: number[] = [];
const rawRss: number[] = [];
for (let round = 0; round < rounds; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-embedded-'));
  try {
    fresh.push((await serverStart(dir, 3900 + round)).ms);
    const again = await serverStart(dir, 3950 + round);
    existing.push(again.ms);
    rss.push(again.rss);
    const baseline = rawStart(dir);
    raw.push(baseline.ms);
    rawRss.push(baseline.rss);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const load = loadavg()
  .map((value) => value.toFixed(2))
  .join(' ');
console.log(`embedded start, median of ${rounds} (load average ${load})`);
console.log(`  fresh data folder:    ${median(fresh).toFixed(0)} ms to first answer`);
console.log(
  `  existing data folder: ${median(existing).toFixed(0)} ms, RSS ${median(rss).toFixed(0)} MB at first answer`,
);
console.log(
  `  raw PGlite open + select 1 on the same folder: ${median(raw).toFixed(0)} ms, RSS ${median(rawRss).toFixed(0)} MB`,
);
console.log(`  ratio existing/raw: ${(median(existing) / median(raw)).toFixed(2)}x`);
