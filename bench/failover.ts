/**
 * npm run bench:failover — PostgreSQL failover under intake load (issue 20, item 4). Builds a
 * pg_auto_failover formation on this machine (monitor, primary, synchronous standby; needs
 * pg_autoctl, see docs/failover.md), runs Ordo on the multi-host URL pg_autoctl prints, sends
 * orders from BENCH_CLIENTS clients (each with its Idempotency-Key, resent until acknowledged),
 * kills the primary with -9 after BENCH_BEFORE orders and goes on until BENCH_AFTER orders sent
 * after the kill are acknowledged. Prints the orders acknowledged, lost (must be 0) and doubled
 * (must be 0), and the failover time: from the kill to the first order acknowledged after it,
 * against the baseline of the HA tool alone (from the kill until the standby takes a write).
 * The formation's timeouts are the test's (a node is unhealthy after 2 s): production defaults
 * are about 20–30 s longer.
 */
import { clusterUnavailable, startCluster } from '../test/failover/cluster.js';
import { runFailoverScenario } from '../test/failover/scenario.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const BEFORE = Number(process.env.BENCH_BEFORE ?? 200);
const AFTER = Number(process.env.BENCH_AFTER ?? 200);
const ROUNDS = Number(process.env.BENCH_REPEAT ?? 1);

const missing = clusterUnavailable();
if (missing) {
  console.error(`bench:failover cannot run here: ${missing}`);
  process.exit(1);
}

const started = Date.now();
const log = (line: string) => console.log(`  [${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
for (let round = 1; round <= ROUNDS; round++) {
  const cluster = await startCluster({ log });
  try {
    const figures = await runFailoverScenario(cluster, {
      clients: CLIENTS,
      before: BEFORE,
      after: AFTER,
      timeoutMs: 180_000,
      log,
    });
    const ratio = figures.promotedMs > 0 ? (figures.failoverMs / figures.promotedMs).toFixed(2) : 'n/a';
    console.log(`
Failover under intake load (round ${round} of ${ROUNDS}), ${CLIENTS} clients, pg_auto_failover, synchronous standby
  orders acknowledged      ${figures.acknowledged} (${figures.acknowledgedBeforeKill} before the kill, ${figures.acknowledgedAfterKill} after)
  lost                     ${figures.lost}
  doubled                  ${figures.duplicates}
  stored, never acked      ${figures.unacknowledged}
  failover time            ${(figures.failoverMs / 1000).toFixed(2)} s  kill → first order acknowledged after it
  baseline (HA tool)       ${(figures.promotedMs / 1000).toFixed(2)} s  kill → standby takes a write (polled every 100 ms)
  ratio                    ${ratio}
  answers                  ${Object.entries(figures.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(
      ', ',
    )}${figures.unexpected.length ? `\n  unexpected               ${figures.unexpected.join('\n                           ')}` : ''}
  Ordo now on              port ${figures.ordoPort} (${figures.newPrimary}; ${figures.killed} was killed)
`);
    if (figures.lost || figures.duplicates || figures.unacknowledged) process.exitCode = 1;
  } finally {
    await cluster.close();
  }
}
