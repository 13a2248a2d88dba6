import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onPostgres } from '../support.js';
import { clusterUnavailable, startCluster } from './cluster.js';
import { runFailoverScenario } from './scenario.js';

/**
 * Issue 20, item 4: a pg_auto_failover formation (monitor, primary, synchronous standby) on this
 * machine; Ordo on the multi-host URL pg_autoctl prints; the primary is killed -9 during intake
 * load. Every order acknowledged before and after the kill is on the new primary, once, and
 * Ordo's pool is on the new primary. PostgreSQL only (the embedded database has no failover); the
 * formation is built here, whatever TEST_DATABASE_URL points at.
 */
test('given intake load with Idempotency-Keys, when the primary is killed, then Ordo follows the new primary and no acknowledged order is lost or doubled', async (t) => {
  if (!onPostgres)
    return t.skip('PostgreSQL only: failover needs PostgreSQL and pg_auto_failover (set TEST_DATABASE_URL)');
  const missing = clusterUnavailable();
  if (missing) return t.skip(missing);
  const started = Date.now();
  const cluster = await startCluster({ log: (line) => t.diagnostic(line) });
  try {
    t.diagnostic(`formation ready in ${Date.now() - started} ms; pg_autoctl printed ${cluster.printedUri}`);
    const figures = await runFailoverScenario(cluster, { log: (line) => t.diagnostic(line) });
    t.diagnostic(JSON.stringify(figures));
    assert.deepEqual(figures.unexpected, [], 'only 2xx and retryable 503 DATABASE_UNAVAILABLE answers');
    assert.equal(figures.missingRetryAfter, 0, 'every 503 carries Retry-After');
    assert.equal(figures.lost, 0, 'every acknowledged order is on the new primary');
    assert.equal(figures.duplicates, 0, 'no order stored twice');
    assert.equal(figures.unacknowledged, 0, 'no order stored that its client never saw acknowledged');
    assert.ok(figures.acknowledgedBeforeKill >= 20 && figures.acknowledgedAfterKill >= 20);
    assert.notEqual(figures.newPrimary, figures.killed, 'the monitor promoted the standby');
    const promoted = cluster.nodes.find((node) => node.name === figures.newPrimary)!;
    assert.equal(figures.ordoPort, promoted.port, "Ordo's pool is on the new primary");
  } finally {
    await cluster.close();
    t.diagnostic(`whole test ${Date.now() - started} ms`);
  }
});
