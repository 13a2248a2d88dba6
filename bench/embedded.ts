/**
 * The embedded database's start (issue 19, item 6): from spawning `node dist/cli/main.js serve
 * --demo` on PGlite to its first answer on /readyz, on a fresh and on an existing data folder.
 * Per start: wall time, the server's CPU time at its first answer (all threads, and the main
 * thread alone, from /proc), its RSS then, and the load average. The baseline is raw PGlite
 * opening the same folder and answering `select 1` in a child process.
 *
 *   npm run bench:embedded [-- rounds]            this checkout's build (built first if needed)
 *   BENCH_BUILDS=before=/tmp/old/dist/cli/main.js,after=dist/cli/main.js npm run bench:embedded -- 5
 *                                                 several builds, alternating within each round
 *   BENCH_DATA_DIR=./data …                       start on copies of this existing folder (no fresh starts)
 *
 * Each build's server runs as `npm start` runs it (its package.json's start script: allocator
 * tunables, V8 options; bench/npm-start.ts; BENCH_NPM_START=off for a plain `node`).
 *
 * Wall time means little on a loaded machine: compare CPU times, over alternating rounds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { npmStartRuntime, pgliteScript } from './npm-start.js';

const rounds = Number(process.argv[2] ?? 3);
const root = join(import.meta.dirname, '..');
const builds = (process.env.BENCH_BUILDS ?? 'this=dist/cli/main.js').split(',').map((item) => {
  const [label, path] = item.split('=');
  return { label: label!, entry: resolve(root, path!) };
});

if (!process.env.BENCH_BUILDS) {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-needed', '--quiet'], {
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed');
}

/** utime + stime in ms from a /proc stat line (fields 14 and 15; the name may hold spaces). */
function cpuMs(statPath: string): number {
  const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface Start {
  wallMs: number;
  cpuMs: number;
  mainThreadCpuMs: number;
  rssMb: number;
  load: number;
}

async function serverStart(entry: string, dataDir: string, port: number): Promise<Start> {
  const started = performance.now();
  // entry is <root>/dist/cli/main.js: that root's start script
  const runtime = npmStartRuntime(resolve(entry, '../../..'));
  const child = spawn(process.execPath, [...runtime.nodeFlags, entry, 'serve', '--demo'], {
    env: {
      ...process.env,
      ...runtime.env,
      DATABASE_URL: '',
      ORDO_DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      try {
        const answer = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (answer.status < 500) {
          const pid = child.pid!;
          return {
            wallMs: performance.now() - started,
            cpuMs: cpuMs(`/proc/${pid}/stat`),
            mainThreadCpuMs: cpuMs(`/proc/${pid}/task/${pid}/stat`),
            rssMb: rssMb(pid),
            load: loadavg()[0]!,
          };
        }
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 600_000) throw new Error('server did not answer within 600 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    // SIGTERM: PGlite closes cleanly, so the next start does not replay a crash's WAL
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

function rawStart(dataDir: string): Start {
  const script = pgliteScript(
    `await db.query('select 1');const {readFileSync}=await import('node:fs');const f=readFileSync('/proc/self/task/'+process.pid+'/stat','utf8').split(') ')[1].split(' ');const c=process.cpuUsage();console.log(JSON.stringify({cpu:(c.user+c.system)/1000,main:(Number(f[11])+Number(f[12]))*10,rss:process.memoryUsage().rss/1048576}));await db.close();`,
  );
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, dataDir], {
    cwd: root,
    encoding: 'utf8',
  });
  const parsed = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { cpu: number; main: number; rss: number };
  return {
    wallMs: performance.now() - started,
    cpuMs: parsed.cpu,
    mainThreadCpuMs: parsed.main,
    rssMb: parsed.rss,
    load: loadavg()[0]!,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (start: Start) =>
  `wall ${start.wallMs.toFixed(0).padStart(6)} ms  CPU ${start.cpuMs.toFixed(0).padStart(5)} ms (main thread ${start.mainThreadCpuMs.toFixed(0).padStart(5)})  RSS ${start.rssMb.toFixed(0)} MB  load ${start.load.toFixed(1)}`;

const results = new Map<string, { fresh: Start[]; existing: Start[] }>(
  builds.map((build) => [build.label, { fresh: [], existing: [] }]),
);
const raw: Start[] = [];
const folders = new Map(builds.map((build) => [build.label, mkdtempSync(join(tmpdir(), 'ordo-embedded-'))]));
try {
  // a fresh start per build creates its folder (or a copy of BENCH_DATA_DIR); the rounds then
  // start each build on its own folder
  const template = process.env.BENCH_DATA_DIR;
  for (const build of builds) {
    if (template) {
      cpSync(template, folders.get(build.label)!, { recursive: true });
      continue;
    }
    const fresh = await serverStart(build.entry, folders.get(build.label)!, 3900);
    results.get(build.label)!.fresh.push(fresh);
    console.log(`${build.label.padEnd(8)} fresh    ${fmt(fresh)}`);
  }
  for (let round = 0; round < rounds; round++) {
    // alternate the order, so neither build always runs first in a round
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      const existing = await serverStart(build.entry, folders.get(build.label)!, 3901 + round);
      results.get(build.label)!.existing.push(existing);
      console.log(`${build.label.padEnd(8)} existing ${fmt(existing)}`);
    }
    const baseline = rawStart(folders.get(builds[0]!.label)!);
    raw.push(baseline);
    console.log(`raw PGlite        ${fmt(baseline)}`);
  }
} finally {
  for (const folder of folders.values()) rmSync(folder, { recursive: true, force: true });
}

const load = loadavg()
  .map((value) => value.toFixed(2))
  .join(' ');
console.log(`\nembedded start, existing data folder, median of ${rounds} (load average at the end ${load})`);
console.log(
  '| build | wall ms | CPU ms (all threads) | main thread CPU ms | RSS MB | load (median) | fresh folder CPU ms |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
const row = (label: string, starts: Start[], fresh: string) =>
  console.log(
    `| ${label} | ${median(starts.map((s) => s.wallMs)).toFixed(0)} | ${median(starts.map((s) => s.cpuMs)).toFixed(0)} | ${median(starts.map((s) => s.mainThreadCpuMs)).toFixed(0)} | ${median(starts.map((s) => s.rssMb)).toFixed(0)} | ${median(starts.map((s) => s.load)).toFixed(1)} | ${fresh} |`,
  );
for (const [label, { fresh, existing }] of results) row(label, existing, fresh[0]?.cpuMs.toFixed(0) ?? '—');
row('raw PGlite open + select 1', raw, '—');
