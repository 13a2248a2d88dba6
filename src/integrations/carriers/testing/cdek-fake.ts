/**
 * A local CDEK v2: OAuth token, orders (202-accepted creates, lookup by im_number, delete),
 * asynchronous barcode printing and ORDER_STATUS histories. Error codes are illustrative
 * but shaped like CDEK's `{errors:[{code,message}]}` / `requests[].errors`.
 */
import { randomUUID } from 'node:crypto';
import { startFakeServer, tinyPdf, type FakeCarrierServer, type FakeReply, type RecordedRequest } from './fake-http.js';

interface FakeOrder {
  uuid: string;
  cdekNumber: string;
  number: string | null;
  body: Record<string, any>;
  statuses: { code: string; name: string; date_time: string; city: string }[];
  deleted: boolean;
}

const DELETABLE = new Set(['ACCEPTED', 'CREATED']);
/** Parcel tariffs by where they start (Приложение: тарифы): "от склада" ones need a shipment_point. */
const FROM_WAREHOUSE = new Set([136, 137]);
const FROM_DOOR = new Set([138, 139]);
const empty = (field: string) => ({ code: 'v2_field_is_empty', message: `Не задано поле [${field}]` });

/**
 * The order-create checks CDEK publishes in OrderCreateRequestDto: required fields, at most 255
 * packages, shipment_point and from_location exclusive, a "от склада" tariff needs a
 * shipment_point, and a client return only for "интернет-магазин" orders (type 1).
 */
function validateOrder(body: Record<string, any>): { code: string; message: string }[] {
  const problems = [
    ...(body.tariff_code ? [] : [empty('tariff_code')]),
    ...(body.recipient?.name ? [] : [empty('recipient.name')]),
    ...(body.packages?.length ? [] : [empty('packages')]),
  ];
  const packages = (body.packages ?? []) as Record<string, unknown>[];
  if (packages.length > 255)
    problems.push({ code: 'v2_packages_limit', message: 'Количество мест в заказе может быть от 1 до 255' });
  packages.forEach((p, i) => {
    if (!p.number) problems.push(empty(`packages[${i}].number`));
    if (!p.weight) problems.push(empty(`packages[${i}].weight`));
  });
  if (body.shipment_point && body.from_location)
    problems.push({
      code: 'v2_shipment_point_and_from_location',
      message: 'Поле [shipment_point] не может использоваться одновременно с [from_location]',
    });
  if (body.delivery_point && body.to_location)
    problems.push({
      code: 'v2_delivery_point_and_to_location',
      message: 'Поле [delivery_point] не может использоваться одновременно с [to_location]',
    });
  const tariff = Number(body.tariff_code);
  if (FROM_WAREHOUSE.has(tariff) && !body.shipment_point) problems.push(empty('shipment_point'));
  if (FROM_DOOR.has(tariff) && !body.from_location)
    problems.push({
      code: 'v2_tariff_not_from_warehouse',
      message: `Тариф ${tariff} не предусматривает отправку со склада`,
    });
  if (body.is_client_return === true && body.type !== 1)
    problems.push({
      code: 'v2_client_return_only_for_im',
      message: 'Клиентский возврат доступен только для заказов типа «интернет-магазин»',
    });
  return problems;
}
const errors = (status: number, list: { code: string; message: string }[]): FakeReply => ({
  status,
  json: { errors: list },
});

export interface CdekFakeServer extends FakeCarrierServer {
  /** Revokes every issued token, as CDEK does on expiry. */
  revokeTokens(): void;
  tokenRequests(): number;
}

export async function startCdekFake(opts: { clientId: string; clientSecret: string }): Promise<CdekFakeServer> {
  const orders = new Map<string, FakeOrder>();
  const barcodes = new Map<string, { orderUuid: string; polls: number }>();
  const tokens = new Set<string>();
  let tokenRequests = 0;
  let counter = 1_100_285_492;
  let clock = Date.parse('2026-11-23T08:00:00Z');
  const tick = () => new Date((clock += 60_000)).toISOString().replace(/\.\d{3}Z$/, '+0000');
  const now = () => new Date(clock).toISOString().replace(/\.\d{3}Z$/, '+0000');

  const view = (o: FakeOrder) => ({
    entity: {
      uuid: o.uuid,
      type: o.body.type,
      is_return: false,
      is_reverse: false,
      is_client_return: o.body.is_client_return === true,
      shipment_point: o.body.shipment_point,
      cdek_number: o.cdekNumber,
      number: o.number,
      tariff_code: o.body.tariff_code,
      sender: o.body.sender,
      recipient: o.body.recipient,
      from_location: o.body.from_location,
      to_location: o.body.to_location ?? {},
      packages: o.body.packages,
      // CDEK lists the newest status first.
      statuses: [...o.statuses].reverse(),
    },
    requests: [
      { request_uuid: randomUUID(), type: 'CREATE', state: 'SUCCESSFUL', date_time: o.statuses[0]?.date_time },
      ...(o.deleted ? [{ request_uuid: randomUUID(), type: 'DELETE', state: 'SUCCESSFUL', date_time: now() }] : []),
    ],
  });

  function token(req: RecordedRequest): FakeReply {
    tokenRequests += 1;
    const p = new URLSearchParams(req.body || req.query.toString());
    if (
      p.get('grant_type') !== 'client_credentials' ||
      p.get('client_id') !== opts.clientId ||
      p.get('client_secret') !== opts.clientSecret
    ) {
      return { status: 401, json: { error: 'invalid_client', error_description: 'Bad client credentials' } };
    }
    const t = `tok-${randomUUID()}`;
    tokens.add(t);
    return {
      status: 200,
      json: {
        access_token: t,
        token_type: 'bearer',
        expires_in: 3600,
        scope: 'order:all payment:all',
        jti: randomUUID(),
      },
    };
  }

  const unauthorized = (): FakeReply => ({
    status: 401,
    json: {
      requests: [
        {
          type: 'AUTH',
          state: 'INVALID',
          date_time: now(),
          errors: [{ code: 'v2_token_expired', message: 'Токен истёк' }],
        },
      ],
    },
  });

  function route(req: RecordedRequest): FakeReply {
    if (req.path === '/v2/oauth/token' && req.method === 'POST') return token(req);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice(7))) return unauthorized();

    if (req.path === '/v2/orders' && req.method === 'POST') {
      const body = JSON.parse(req.body) as Record<string, any>;
      const problems = validateOrder(body);
      if (problems.length) return errors(400, problems);
      const o: FakeOrder = {
        uuid: randomUUID(),
        cdekNumber: String(counter++),
        number: body.number ?? null,
        body,
        statuses: [],
        deleted: false,
      };
      const city = String(body.from_location?.city ?? body.to_location?.city ?? 'Москва');
      o.statuses.push({ code: 'ACCEPTED', name: 'Принят', date_time: tick(), city });
      o.statuses.push({ code: 'CREATED', name: 'Создан', date_time: tick(), city });
      orders.set(o.uuid, o);
      return {
        status: 202,
        json: {
          entity: { uuid: o.uuid },
          requests: [{ request_uuid: randomUUID(), type: 'CREATE', state: 'ACCEPTED', date_time: now() }],
        },
      };
    }
    if (req.path === '/v2/orders' && req.method === 'GET') {
      const im = req.query.get('im_number');
      const found = [...orders.values()].filter((o) => o.number === im).pop();
      if (!found)
        return errors(400, [{ code: 'v2_entity_not_found_im_number', message: `Заказ с номером ${im} не найден` }]);
      return { status: 200, json: view(found) };
    }
    const one = /^\/v2\/orders\/([\w-]+)$/.exec(req.path);
    if (one) {
      const o = orders.get(one[1] ?? '');
      if (!o) return errors(400, [{ code: 'v2_entity_not_found', message: 'Заказ не найден' }]);
      if (req.method === 'GET') return { status: 200, json: view(o) };
      if (req.method === 'DELETE') {
        const current = o.statuses[o.statuses.length - 1]?.code ?? '';
        if (o.deleted || !DELETABLE.has(current)) {
          return errors(400, [
            { code: 'v2_order_not_deletable', message: `Заказ в статусе ${current} нельзя удалить` },
          ]);
        }
        o.deleted = true;
        return {
          status: 202,
          json: {
            entity: { uuid: o.uuid },
            requests: [{ request_uuid: randomUUID(), type: 'DELETE', state: 'ACCEPTED', date_time: now() }],
          },
        };
      }
    }
    if (req.path === '/v2/print/barcodes' && req.method === 'POST') {
      const body = JSON.parse(req.body) as { orders?: { order_uuid?: string }[] };
      const orderUuid = body.orders?.[0]?.order_uuid ?? '';
      if (!orders.has(orderUuid)) return errors(400, [{ code: 'v2_entity_not_found', message: 'Заказ не найден' }]);
      const uuid = randomUUID();
      barcodes.set(uuid, { orderUuid, polls: 0 });
      return {
        status: 202,
        json: {
          entity: { uuid },
          requests: [{ request_uuid: randomUUID(), type: 'CREATE', state: 'ACCEPTED', date_time: now() }],
        },
      };
    }
    const pdf = /^\/v2\/print\/barcodes\/([\w-]+)\.pdf$/.exec(req.path);
    if (pdf && req.method === 'GET') {
      const b = barcodes.get(pdf[1] ?? '');
      if (!b || b.polls < 2) return errors(400, [{ code: 'v2_entity_not_found', message: 'Файл не сформирован' }]);
      return {
        status: 200,
        body: tinyPdf(`CDEK ${orders.get(b.orderUuid)?.cdekNumber ?? ''}`),
        contentType: 'application/pdf',
      };
    }
    const bc = /^\/v2\/print\/barcodes\/([\w-]+)$/.exec(req.path);
    if (bc && req.method === 'GET') {
      const uuid = bc[1] ?? '';
      const b = barcodes.get(uuid);
      if (!b) return errors(400, [{ code: 'v2_entity_not_found', message: 'ШК не найден' }]);
      b.polls += 1;
      // The first poll finds the file still being prepared, as at CDEK.
      const ready = b.polls >= 2;
      return {
        status: 200,
        json: {
          entity: {
            uuid,
            orders: [{ order_uuid: b.orderUuid }],
            format: 'A6',
            ...(ready ? { url: `http://api.cdek.ru/v2/print/barcodes/${uuid}.pdf` } : {}),
            statuses: [
              { code: 'ACCEPTED', name: 'Принят', date_time: now() },
              ...(ready
                ? [
                    { code: 'PROCESSING', name: 'Формируется', date_time: now() },
                    { code: 'READY', name: 'Сформирован', date_time: now() },
                  ]
                : []),
            ],
          },
          requests: [],
          related_entities: [],
        },
      };
    }
    return errors(404, [{ code: 'v2_not_found', message: 'Ресурс не найден' }]);
  }

  const server = await startFakeServer({
    isAuthPath: (p) => p === '/v2/oauth/token',
    route,
    rejection: () => errors(400, [{ code: 'v2_field_is_empty', message: 'Не задано поле [to_location.address]' }]),
    unauthorized,
    pushStatuses(uuid, statuses) {
      const o = orders.get(uuid);
      if (!o) throw new Error(`no order ${uuid}`);
      for (const code of statuses) o.statuses.push({ code, name: code, date_time: tick(), city: 'Новосибирск' });
    },
    shipmentCount: () => orders.size,
  });
  return { ...server, revokeTokens: () => tokens.clear(), tokenRequests: () => tokenRequests };
}
