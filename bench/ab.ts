/**
 * npm run bench:ab — before and after on a machine whose speed drifts: `bench:intake` run against
 * two servers in turn, BENCH_AB_ROUNDS (4) rounds in the order A B B A A B B A… (a drift of the
 * machine during a round then weighs on both sides alike), every other BENCH_* setting passed on
 * to each run (paths, clients, seconds, BENCH_DB=pglite…). A is BENCH_AB_BEFORE (a checkout,
 * e.g. `git worktree add /tmp/ordo-old <commit>` with node_modules linked and `npm run build`), B
 * is BENCH_AB_AFTER (default this checkout). Per cell it prints each round's orders/s and CPU per
 * order, the medians, and the after/before ratio of each round's pair: on this project's machine
 * the same build moved by 30 % between runs minutes apart (bench/RESULTS.md, nineteenth
 * session), so a change is seen in the pairs' ratios, not in one run of each.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fmt } from './lib.js';

const ROOT = resolve(import.meta.dirname, '..');
const BEFORE = process.env.BENCH_AB_BEFORE;
const AFTER = resolve(process.env.BENCH_AB_AFTER ?? ROOT);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 4);

interface Row {
  perSecond: number;
  nodeCpu: number;
  pgCpu: number;
}

/** One bench:intake run against the server of `root`: its summary table's rows by "path clients". */
function runIntake(root: string): Map<string, Row> {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/intake.ts'], {
    cwd: ROOT,
    env: { ...process.env, BENCH_SERVER_ROOT: root },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`bench:intake against ${root} failed:\n${run.stderr || run.stdout}`);
  const rows = new Map<string, Row>();
  for (const line of run.stdout.split('\n')) {
    // | path | clients | orders/s | p50 | p99 | errors | RSS | Node CPU | PG CPU | … (PG CPU is — on PGlite)
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 10 || !/^\d+$/.test(cells[2] ?? '')) continue;
    const number = (text: string | undefined) => (text && /^[\d.]+$/.test(text) ? Number(text) : NaN);
    rows.set(`${cells[1]} ${cells[2]}`, {
      perSecond: number(cells[3]),
      nodeCpu: number(cells[8]),
      pgCpu: number(cells[9]),
    });
  }
  if (rows.size === 0) throw new Error(`bench:intake against ${root} printed no table:\n${run.stdout}`);
  return rows;
}

const median = (values: number[]) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function main() {
  if (!BEFORE) throw new Error('BENCH_AB_BEFORE: the checkout to compare against (a built worktree)');
  const before = resolve(BEFORE);
  const runs: Record<'before' | 'after', Array<Map<string, Row>>> = { before: [], after: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const side of order) {
      const started = new Date().toISOString().slice(11, 19);
      runs[side].push(runIntake(side === 'before' ? before : AFTER));
      console.log(`round ${round + 1}: ${side} done (started ${started} UTC)`);
    }
  }
  console.log(`\nbefore = ${before}, after = ${AFTER}, ${ROUNDS} rounds\n`);
  console.log(
    '| cell | before orders/s (rounds) | after orders/s (rounds) | after/before per round | median ratio | rounds faster after | CPU ms/order before → after (Node + PG, medians) |',
  );
  console.log('| --- | --- | --- | --- | ---: | ---: | --- |');
  for (const cell of runs.before[0]!.keys()) {
    const side = (name: 'before' | 'after') =>
      runs[name].map((rows) => rows.get(cell)).filter((row) => row !== undefined);
    const [b, a] = [side('before'), side('after')];
    const ratios = b.map((row, i) => (a[i] ? a[i]!.perSecond / row.perSecond : NaN));
    const cpu = (rows: Row[]) => {
      const [node, pg] = [median(rows.map((r) => r.nodeCpu)), median(rows.map((r) => r.pgCpu))];
      return Number.isNaN(pg) ? fmt(node, 2) : `${fmt(node, 2)} + ${fmt(pg, 2)}`;
    };
    console.log(
      `| ${cell} | ${b.map((r) => fmt(r.perSecond, 0)).join(', ')} | ${a.map((r) => fmt(r.perSecond, 0)).join(', ')} | ${ratios.map((r) => fmt(r, 2)).join(', ')} | ${fmt(median(ratios), 2)} | ${ratios.filter((r) => r > 1).length} of ${ratios.length} | ${cpu(b)} → ${cpu(a)} |`,
    );
  }
}

main();
