import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { exactSolverRunning, shutdownExactSolver, solveExact, warmUpExactSolverOnFirstUse } from './exact.js';
import type { RoutingModel } from './model.js';

after(() => shutdownExactSolver());

/** Two lines, three locations: the cheapest plan splits the order, so HiGHS has a choice to make. */
const model: RoutingModel = {
  lines: [
    { sku: 0, qty: 2, minAlloc: 1 },
    { sku: 1, qty: 1, minAlloc: 1 },
  ],
  skuCount: 2,
  promiseWeight: 5,
  maxShipments: 2,
  shipComplete: false,
  keepLinesWhole: false,
  locs: [
    { fixed: 12, days: 2, unit: [3, 4], stock: [2, 0] },
    { fixed: 9, days: 3, unit: [5, 2], stock: [1, 1] },
    { fixed: 30, days: 1, unit: [1, 1], stock: [2, 1] },
  ],
};

test('Given first-use warm-up, When an order first needs HiGHS, Then its solve is answered first and the warm-up follows', async () => {
  const events: string[] = [];
  const warmed = new Promise<void>((resolve, reject) =>
    warmUpExactSolverOnFirstUse((error) => {
      events.push(error ? 'warm-up failed' : 'warmed up');
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve();
    }),
  );
  assert.equal(exactSolverRunning(), false, 'registering starts no thread');
  // a cold solver may be slow: a generous time box, so the outcome is the solve's and not a timeout
  const outcome = await solveExact(model, 30_000, undefined, { reduce: false, prove: false });
  events.push(`first order ${outcome.kind}`);
  await warmed;
  assert.deepEqual(events, ['first order solved', 'warmed up']);
  assert.ok(outcome.kind === 'solved' && outcome.optimal);
  assert.equal(exactSolverRunning(), true);

  // only the first use warms: later solves start nothing more
  const again = await solveExact(model, 30_000, undefined, { reduce: false, prove: false });
  assert.equal(again.kind, 'solved');
  assert.deepEqual(events, ['first order solved', 'warmed up']);

  // a shut-down solver forgets a registered warm-up
  await shutdownExactSolver();
  warmUpExactSolverOnFirstUse(() => events.push('warmed up again'));
  await shutdownExactSolver();
  assert.equal((await solveExact(model, 30_000, undefined, { reduce: false, prove: false })).kind, 'solved');
  await shutdownExactSolver();
  assert.deepEqual(events, ['first order solved', 'warmed up']);
});
