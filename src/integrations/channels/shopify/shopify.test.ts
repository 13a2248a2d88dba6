// The Shopify connector against the shared channel contract; the rest of its tests are by concern in
// shopify-intake (order mapping), shopify-webhooks (webhooks and polling) and shopify-outbound.
import { channelContract } from '../testing/contract.js';
import { SHOPIFY_FAKE_LOCATION, startShopifyFake } from '../testing/shopify-fake.js';
import { connectionFor, connector } from './test-fixtures.js';

channelContract({
  name: 'Shopify',
  cancelReasonCode: 'inventory',
  async start() {
    const fake = await startShopifyFake();
    return {
      connector,
      connection: connectionFor(fake),
      server: fake.server,
      addOrder: async (externalId) => ({ webhook: fake.addOrder(externalId) }),
      cancelAtChannel: async (externalId) => ({ webhook: fake.cancelAtChannel(externalId) }),
      confirmedShipments: () => fake.shipments,
      sellerCancellations: () => fake.cancellations,
      stockOf: (offerId) => fake.levels.get(`${offerId}@${SHOPIFY_FAKE_LOCATION}`),
      // one inventory item: a Shopify stock batch is a single item (batchSize 1)
      knownOffers: ['39072856'],
      close: () => fake.close(),
    };
  },
});
