/** What the WooCommerce test files share: the connector, its HTTP limits, a connection to the local server, a mapped order. */
import assert from 'node:assert/strict';
import { WOO_FAKE_KEY, WOO_FAKE_SECRET, WOO_FAKE_WEBHOOK_SECRET, type WooFake } from '../testing/woocommerce-fake.js';
import type { ChannelConnection, ChannelOrder } from '../types.js';
import { createWooCommerceConnector } from './woocommerce-connector.js';
import { mapWooOrder } from './woocommerce-order.js';

export const connector = createWooCommerceConnector();
export const http = { timeoutMs: 1_500 };

export function connectionFor(fake: WooFake, settings: Record<string, unknown> = {}): ChannelConnection {
  return {
    id: 'conn-woo',
    code: 'woo-main',
    kind: 'woocommerce',
    baseUrl: fake.baseUrl,
    credentials: { consumerKey: WOO_FAKE_KEY, consumerSecret: WOO_FAKE_SECRET, webhookSecret: WOO_FAKE_WEBHOOK_SECRET },
    settings,
  };
}

export function mapped(raw: unknown, settings: Record<string, unknown> = {}): ChannelOrder {
  const result = mapWooOrder(raw, settings);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.order;
}
