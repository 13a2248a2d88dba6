// The WooCommerce connector against the shared channel contract; the rest of its tests are by concern in
// woocommerce-intake (order mapping), woocommerce-webhooks (webhooks and polling) and woocommerce-outbound.
import { channelContract } from '../testing/contract.js';
import { startWooFake, type WooFake } from '../testing/woocommerce-fake.js';
import { connectionFor, connector } from './test-fixtures.js';

function lastNote(fake: WooFake, orderId: number): string {
  return [...fake.notes].reverse().find((note) => note.orderId === orderId)?.note ?? '';
}

channelContract({
  name: 'WooCommerce',
  cancelReasonCode: 'out_of_stock',
  async start() {
    const fake = await startWooFake();
    return {
      connector,
      connection: connectionFor(fake),
      server: fake.server,
      addOrder: async (externalId) => ({ webhook: fake.addOrder(Number(externalId)) }),
      cancelAtChannel: async (externalId) => ({ webhook: fake.cancelAtChannel(Number(externalId)) }),
      confirmedShipments: () =>
        fake.statusChanges
          .filter((change) => change.status === 'completed')
          .map((change) => {
            const note = /^Shipped with (.+?)(?:, tracking number ([^ .]+))?(?: \(|\.$)/.exec(
              lastNote(fake, change.orderId),
            );
            return { externalId: String(change.orderId), carrier: note?.[1] ?? '', trackingNumber: note?.[2] ?? null };
          }),
      sellerCancellations: () =>
        fake.statusChanges
          .filter((change) => change.status === 'cancelled')
          .map((change) => ({
            externalId: String(change.orderId),
            reasonCode: /\(reason: ([^)]+)\)/.exec(lastNote(fake, change.orderId))?.[1] ?? '',
          })),
      stockOf: (offerId) => fake.stock.get(offerId),
      knownOffers: ['93', '22:23', '87'],
      close: () => fake.close(),
    };
  },
});
