/** Public surface of the channel integrations: one connector interface, six shops and marketplaces. */
import type { ChannelConnector } from './types.js';
import { createShopifyConnector } from './shopify/shopify-connector.js';
import { createWooCommerceConnector } from './woocommerce/woocommerce-connector.js';
import { createWildberriesConnector } from './wildberries/wildberries-connector.js';
import { createOzonConnector } from './ozon/ozon-connector.js';
import { createAllegroConnector } from './allegro/allegro-connector.js';
import { createAmazonConnector } from './amazon/amazon-connector.js';
import { createOneCConnector } from '../erp/onec-connector.js';

export * from './types.js';

/** Every connector this build ships, by kind; a connection names one. */
export function createChannelConnectors(): ReadonlyMap<string, ChannelConnector> {
  const connectors: ChannelConnector[] = [
    createShopifyConnector(),
    createWooCommerceConnector(),
    createWildberriesConnector(),
    createOzonConnector(),
    createAllegroConnector(),
    createAmazonConnector(),
    createOneCConnector(),
  ];
  return new Map(connectors.map((connector) => [connector.kind, connector]));
}
