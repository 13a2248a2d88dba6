/** What the Shopify test files share: the connector, its HTTP limits, a connection to the local server, a mapped order. */
import assert from 'node:assert/strict';
import {
  SHOPIFY_FAKE_LOCATION,
  SHOPIFY_FAKE_SECRET,
  SHOPIFY_FAKE_TOKEN,
  type ShopifyFake,
} from '../testing/shopify-fake.js';
import type { ChannelConnection, ChannelOrder } from '../types.js';
import { createShopifyConnector } from './shopify-connector.js';
import { mapShopifyOrder } from './shopify-order.js';

export const connector = createShopifyConnector();
export const http = { timeoutMs: 1_500 };

export function connectionFor(fake: ShopifyFake, settings: Record<string, unknown> = {}): ChannelConnection {
  return {
    id: 'conn-shopify',
    code: 'shopify-main',
    kind: 'shopify',
    baseUrl: fake.baseUrl,
    credentials: { accessToken: SHOPIFY_FAKE_TOKEN, webhookSecret: SHOPIFY_FAKE_SECRET },
    settings: { locationId: SHOPIFY_FAKE_LOCATION, ...settings },
  };
}

export function mapped(raw: unknown, settings: Record<string, unknown> = {}): ChannelOrder {
  const result = mapShopifyOrder(raw, settings);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.order;
}
