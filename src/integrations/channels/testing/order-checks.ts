import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseMoney } from '../../../shared/money.js';
import type { ChannelOrder } from '../types.js';

/** Lines − line discounts + shipping − discounts (+ tax when prices exclude it), in minor units. */
export function grandTotal(order: ChannelOrder, tax = '0'): bigint {
  const units = (value: string) => {
    const parsed = parseMoney(value, order.currency);
    assert.equal(typeof parsed, 'bigint', `${value} is money`);
    return parsed as bigint;
  };
  let sum = order.pricesIncludeTax ? 0n : units(tax);
  for (const line of order.lines) sum += units(line.unitPrice) * BigInt(line.quantity) - units(line.discount ?? '0');
  for (const shipping of order.shippingLines) sum += units(shipping.amount);
  for (const discount of order.discounts) sum -= units(discount.amount);
  return sum;
}

/** The shared external fixtures folder (docs samples, webhook signature vectors), when this machine has it. */
export function sharedFixtures(): string | undefined {
  const candidates = [
    process.env.ORDO_SHARED_FIXTURES,
    path.resolve(process.cwd(), '../shared/fixtures/external'),
    path.resolve(process.cwd(), '../../shared/fixtures/external'),
    '/work/shared/fixtures/external',
  ];
  return candidates.find((dir): dir is string => !!dir && existsSync(dir));
}
