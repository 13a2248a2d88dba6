import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChannelOrder } from '../../integrations/channels/types.js';
import { toOrderInput, type OrderMapping } from './to-order-input.js';

const skus: Record<string, string> = {
  '12345': 'УТ-0001365',
  '12346': 'ŻÓŁW-1',
  'SRV-1': 'MONTAŻ',
};
const mapping: OrderMapping = {
  channel: 'ozon-main',
  sku: (offerId, sellerSku) => skus[offerId] ?? (sellerSku && sellerSku.startsWith('SKU-') ? sellerSku : undefined),
  location: (warehouseId) => ({ '1020000123': 'WAW-1', 'store-krk': 'KRK-S' })[warehouseId],
};

/** A rich order: Cyrillic and Polish, discounts, two shipping lines, a service line, a locker, gift card + card, masked buyer. */
function richOrder(over: Partial<ChannelOrder> = {}): ChannelOrder {
  return {
    externalId: '0123456789-0001-1',
    externalVersion: '2026-12-03T10:15:00Z',
    displayNumber: '#1001',
    currency: 'PLN',
    pricesIncludeTax: true,
    placedAt: '2026-12-03T10:00:00Z',
    customer: { externalId: 'buyer-778899', masked: true },
    lines: [
      {
        externalLineId: 'L1',
        kind: 'product',
        offerId: '12345',
        sellerSku: 'УТ-0001365',
        name: 'Шкаф-купе «Берёза»',
        quantity: 1,
        unitPrice: '1299.00',
        discount: '99.00',
        taxRate: '23',
      },
      {
        externalLineId: 'L2',
        kind: 'product',
        offerId: '12346',
        name: 'Żółw pluszowy — mały',
        quantity: 2,
        unitPrice: '49.99',
        taxRate: '23',
        attributes: { colour: 'zielony' },
      },
      {
        externalLineId: 'L3',
        kind: 'service',
        offerId: 'SRV-1',
        name: 'Montaż i wniesienie',
        quantity: 1,
        unitPrice: '150.00',
        taxRate: '8',
      },
    ],
    shippingLines: [
      { code: 'inpost_locker', title: 'Paczkomat InPost 24/7', carrier: 'inpost', amount: '13.99', taxRate: '23' },
      { code: 'bulky', title: 'Dopłata gabarytowa', amount: '40.00', discount: '10.00', taxRate: '23' },
    ],
    discounts: [
      { target: 'order', amount: '50.00', code: 'ZIMA50', title: 'Zimowa wyprzedaż' },
      { target: 'shipping', amount: '13.99', code: 'DARMOWA-DOSTAWA' },
    ],
    payments: [
      { method: 'gift_card', amount: '100.00', status: 'paid', reference: 'GC-ŁÓDŹ-0001' },
      { method: 'card', amount: '1300.00', status: 'authorized', provider: 'PAYU', reference: 'PAYU-ABC' },
    ],
    delivery: {
      method: 'pickup_point',
      pickupPoint: {
        provider: 'inpost',
        id: 'KRA010',
        name: 'Paczkomat KRA010',
        address: { line1: 'ul. Wielicka 259', city: 'Kraków', postalCode: '30-663', country: 'PL' },
      },
      channelWarehouseId: '1020000123',
      carrier: 'inpost',
      service: 'locker_standard',
    },
    marketplace: {
      fulfilmentModel: 'FBS',
      shipBy: '2026-12-04T12:00:00Z',
      deliverBy: '2026-12-08T21:00:00Z',
      commission: '187.25',
      marketplaceId: 'allegro-pl',
    },
    notes: 'Proszę dzwonić przed dostawą — звонить заранее',
    channelStatus: 'READY_FOR_PROCESSING',
    ...over,
  };
}

test('given a rich channel order, every field is carried into the order input', () => {
  const result = toOrderInput(richOrder(), mapping);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  const value = result.value;
  assert.equal(value.channel, 'ozon-main');
  assert.equal(value.externalId, '0123456789-0001-1');
  assert.equal(value.displayNumber, '#1001');
  assert.equal(value.pricesIncludeTax, true);
  assert.deepEqual(value.customer, { externalId: 'buyer-778899', masked: true });
  assert.deepEqual(
    value.lines.map((l) => [l.id, l.kind, l.sku, l.name, l.quantity, l.unitPrice, l.discount, l.taxRate]),
    [
      ['L1', 'product', 'УТ-0001365', 'Шкаф-купе «Берёза»', 1, '1299.00', '99.00', '23'],
      ['L2', 'product', 'ŻÓŁW-1', 'Żółw pluszowy — mały', 2, '49.99', undefined, '23'],
      ['L3', 'service', 'MONTAŻ', 'Montaż i wniesienie', 1, '150.00', undefined, '8'],
    ],
  );
  assert.deepEqual(value.lines[0]!.attributes, { offerId: '12345', sellerSku: 'УТ-0001365' });
  assert.deepEqual(value.lines[1]!.attributes, { colour: 'zielony', offerId: '12346' });
  assert.deepEqual(value.shippingLines, richOrder().shippingLines);
  assert.equal(value.shipping, undefined);
  assert.deepEqual(value.discounts, richOrder().discounts);
  assert.deepEqual(value.payments, richOrder().payments);
  assert.deepEqual(value.marketplace, richOrder().marketplace);
  assert.deepEqual(value.delivery, {
    method: 'pickup_point',
    pickupPoint: richOrder().delivery.pickupPoint,
    carrier: 'inpost',
    service: 'locker_standard',
  });
  assert.equal(value.notes, 'Proszę dzwonić przed dostawą — звонить заранее');
  assert.deepEqual(value.attributes, {
    channel: {
      externalVersion: '2026-12-03T10:15:00Z',
      status: 'READY_FOR_PROCESSING',
      warehouseId: '1020000123',
      location: 'WAW-1',
    },
  });
  assert.equal(value.orderType, 'sale', 'schema defaults applied');
  assert.deepEqual(value.paymentTerms, { kind: 'prepaid' });
});

test('given an offer with no Ordo SKU, the problem names the line and both ids', () => {
  const order = richOrder();
  order.lines.push({
    externalLineId: 'L4',
    kind: 'product',
    offerId: '99999',
    sellerSku: 'УТ-1',
    name: 'Неизвестный товар',
    quantity: 1,
    unitPrice: '1.00',
  });
  const result = toOrderInput(order, mapping);
  assert.ok(!result.ok);
  assert.deepEqual(result.problems, [
    { path: '/lines/3/offerId', reason: 'no Ordo SKU for offer 99999 (seller SKU УТ-1)' },
  ]);
});

test('given a seller SKU the mapping falls back to, it is used', () => {
  const order = richOrder();
  order.lines[1] = { ...order.lines[1]!, offerId: 'unmapped', sellerSku: 'SKU-7' };
  const result = toOrderInput(order, mapping);
  assert.ok(result.ok);
  assert.equal(result.value.lines[1]!.sku, 'SKU-7');
});

test('given data the order API would refuse, it comes back as problems with paths', () => {
  const order = richOrder({
    customer: undefined,
    delivery: { method: 'pickup_point' },
    // the seller delivers (DBS), so the point must be named
    marketplace: { fulfilmentModel: 'DBS' },
    payments: [{ method: 'card', amount: '1.00', status: 'paid' }],
  });
  order.lines[0] = { ...order.lines[0]!, quantity: 0 };
  const result = toOrderInput(order, mapping);
  assert.ok(!result.ok);
  const paths = result.problems.map((p) => p.path).sort();
  assert.deepEqual(paths, ['/delivery/pickupPoint', '/lines/0/quantity']);
});

test('given an FBS order to a point the marketplace does not name, the seller ships to the marketplace: no address needed', () => {
  const result = toOrderInput(
    richOrder({
      customer: { masked: true },
      shippingAddress: undefined,
      delivery: { method: 'pickup_point', carrier: 'Ozon Логистика' },
      marketplace: { fulfilmentModel: 'FBS', shipBy: '2026-12-04T10:00:00Z' },
    }),
    mapping,
  );
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.equal(result.value.delivery.method, 'ship');
  assert.equal(result.value.shippingAddress, undefined);
  assert.equal(result.value.marketplace?.fulfilmentModel, 'FBS');
});

test('given no buyer at all and a ship order, the input has no customer and the address is carried', () => {
  const result = toOrderInput(
    richOrder({
      customer: undefined,
      shippingAddress: {
        name: 'Иван Петров',
        line1: 'ул. Ленина, д. 5, кв. 12',
        city: 'Москва',
        postalCode: '101000',
        country: 'RU',
        phone: '+7 900 000-00-00',
      },
      delivery: { method: 'ship', carrier: 'cdek' },
      marketplace: undefined,
      discounts: [],
      payments: [],
      shippingLines: [],
    }),
    mapping,
  );
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  assert.equal(result.value.customer, undefined);
  assert.equal(result.value.shippingAddress?.city, 'Москва');
  assert.deepEqual(result.value.delivery, { method: 'ship', carrier: 'cdek' });
  for (const field of ['discounts', 'payments', 'shippingLines', 'marketplace'] as const)
    assert.equal(result.value[field], undefined);
});

test('given a store pickup, the channel warehouse becomes our pickup location; an unknown one is a problem', () => {
  const store = toOrderInput(richOrder({ delivery: { method: 'store', channelWarehouseId: 'store-krk' } }), mapping);
  assert.ok(store.ok, JSON.stringify(!store.ok && store.problems));
  assert.deepEqual(store.value.delivery, { method: 'pickup', pickupLocation: 'KRK-S' });
  const unknown = toOrderInput(richOrder({ delivery: { method: 'store', channelWarehouseId: 'nowhere' } }), mapping);
  assert.ok(!unknown.ok);
  assert.ok(unknown.problems.some((p) => p.path === '/delivery/channelWarehouseId'));
});
