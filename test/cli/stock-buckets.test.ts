import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { stockBucketsCommand } from '../../src/cli/stock-buckets.js';
import { inventoryApp, must, oneLine, receive } from '../inventory/helpers.js';

describe('ordo stock-buckets and POST /inventory/stock:buckets (issue 19 item 3)', () => {
  let t: Awaited<ReturnType<typeof inventoryApp>>;
  before(async () => {
    t = await inventoryApp();
    await must(t, 'POST', '/api/v1/products', { sku: 'FLASH-1', name: 'Czajnik „Wisła” — Чайник' }, 201);
    await receive(t, 'FLASH-1', 'WAW-1', 300);
  });
  after(async () => {
    assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
    await t.close();
  });

  const run = async (positionals: string[]) => {
    const lines: string[] = [];
    const code = await stockBucketsCommand(t.database.db, t.tenantId, positionals, (line) => lines.push(line));
    return { code, lines };
  };

  test('the command splits, says what each bucket got and the figures, and merges back', async () => {
    const split = await run(['FLASH-1', 'WAW-1', '16']);
    assert.equal(split.code, 0, split.lines.join('\n'));
    assert.deepEqual(split.lines, [
      'FLASH-1 at WAW-1: 16 buckets, 300 free unit(s) lent out (12 × 19, 4 × 18)',
      'on hand 300, reserved 0, available 300',
    ]);
    const order = await must(t, 'POST', '/api/v1/orders', oneLine('FLASH-1', 2, { externalId: 'FLASH-CLI-1' }), 201);
    assert.equal(order.reservation.status, 'reserved');
    const merged = await run(['FLASH-1', 'WAW-1', '1']);
    assert.deepEqual(merged.lines, [
      'FLASH-1 at WAW-1: no buckets; the stock row holds everything again',
      'on hand 300, reserved 2, available 298',
    ]);
  });

  test('bad input: usage (exit 2) or a refusal in words (exit 1)', async () => {
    assert.equal((await run(['FLASH-1', 'WAW-1'])).code, 2);
    assert.equal((await run(['FLASH-1', 'WAW-1', '0'])).code, 2);
    assert.equal((await run(['FLASH-1', 'WAW-1', '257'])).code, 2);
    const unknown = await run(['NO-SUCH', 'WAW-1', '4']);
    assert.deepEqual([unknown.code, unknown.lines], [1, ['refused (UNKNOWN_SKU): unknown SKU NO-SUCH']]);
    const noRow = await run(['FLASH-1', 'KRK-S', '4']);
    assert.equal(noRow.code, 1);
    assert.match(noRow.lines[0]!, /no stock of this product at this location/);
  });

  // the first test's order still holds 2 units
  test('the API route splits for admins only and answers problem+json with the field at fault', async () => {
    const split = await must(t, 'POST', '/api/v1/inventory/stock:buckets', {
      sku: 'FLASH-1',
      location: 'WAW-1',
      buckets: 4,
    });
    assert.deepEqual([split.buckets, split.lent, split.onHand, split.reserved, split.available], [4, 298, 300, 2, 298]);
    assert.deepEqual(
      split.shares.map((share: { onHand: number }) => share.onHand),
      [75, 75, 74, 74],
    );
    const bad = await t.call('POST', '/api/v1/inventory/stock:buckets', {
      sku: 'FLASH-1',
      location: 'WAW-1',
      buckets: 0,
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, '/buckets');
    const operator = await must(t, 'POST', '/api/v1/api-keys', { name: 'magazyn', roles: ['operator'] }, 201);
    const refused = await t.call(
      'POST',
      '/api/v1/inventory/stock:buckets',
      { sku: 'FLASH-1', location: 'WAW-1', buckets: 2 },
      { authorization: `Bearer ${operator.secret}` },
    );
    assert.equal(refused.status, 403);
    await must(t, 'POST', '/api/v1/inventory/stock:buckets', { sku: 'FLASH-1', location: 'WAW-1', buckets: 1 });
  });
});
