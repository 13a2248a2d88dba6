/**
 * A local ShipX: organization shipments, lookup by reference, label (pdf/zpl), tracking and
 * cancel, with ShipX error bodies. Shipments move created → confirmed on their first read,
 * standing in for InPost's asynchronous offer/buy step.
 */
import {
  startFakeServer,
  tinyPdf,
  tinyZpl,
  type FakeCarrierServer,
  type FakeReply,
  type RecordedRequest,
} from './fake-http.js';

interface FakeShipment {
  id: number;
  status: string;
  tracking_number: string | null;
  reference: string | null;
  service: string;
  is_return: boolean;
  custom_attributes: Record<string, unknown>;
  parcels: unknown[];
  receiver: { name?: string; first_name?: string; last_name?: string; address?: { city?: string } };
  history: { status: string; datetime: string }[];
}

const CANCELLABLE = new Set(['created', 'offers_prepared', 'offer_selected']);

/**
 * "Sending method per shipment service" (ShipX docs, Sending method page): which ways of
 * handing a parcel in each service accepts. Services not listed are not checked.
 */
const SENDING_METHODS: Record<string, readonly string[]> = {
  inpost_locker_standard: ['parcel_locker', 'dispatch_order', 'pop'],
  inpost_locker_pass_thru: ['parcel_locker'],
  inpost_courier_standard: ['dispatch_order', 'pop'],
  inpost_courier_express_1000: ['dispatch_order', 'pop'],
  inpost_courier_express_1200: ['dispatch_order', 'pop'],
  inpost_courier_express_1700: ['dispatch_order', 'pop'],
  inpost_courier_c2c: ['parcel_locker', 'dispatch_order', 'pop'],
};
const KNOWN_SENDING_METHODS = new Set([
  'parcel_locker',
  'pok',
  'courier_pok',
  'branch',
  'dispatch_order',
  'pop',
  'any_point',
]);
const VALIDATION = 'There are some validation errors Check details object for more info.';

/** ShipX validation of a create body: the field problems, nested as ShipX nests them. */
function validateCreate(body: Record<string, unknown>): Record<string, unknown> {
  const problems: Record<string, unknown> = {};
  const parcels = body.parcels as unknown[] | undefined;
  const isReturn = body.is_return === true;
  // "In case of is_return = true, attribute receiver is not required" (the organization's data is used).
  if (!body.receiver && !isReturn) problems.receiver = ['required'];
  if (!parcels?.length) problems.parcels = ['required'];
  const attrs = (body.custom_attributes ?? {}) as Record<string, unknown>;
  const method = attrs.sending_method;
  const service = String(body.service ?? 'inpost_courier_standard');
  const attrProblems: Record<string, string[]> = {};
  if (method !== undefined) {
    if (typeof method !== 'string' || !KNOWN_SENDING_METHODS.has(method)) attrProblems.sending_method = ['invalid'];
    else if (SENDING_METHODS[service] && !SENDING_METHODS[service]?.includes(method))
      attrProblems.sending_method = ['not_available_for_service'];
    if ((method === 'parcel_locker' || method === 'pop') && !attrs.dropoff_point)
      attrProblems.dropoff_point = ['required'];
  }
  if (Object.keys(attrProblems).length) problems.custom_attributes = [attrProblems];
  return problems;
}

const error = (status: number, code: string, message: string, details: unknown = {}): FakeReply => ({
  status,
  json: { status, error: code, message, details },
});

export async function startInpostFake(opts: { token: string; organizationId: string }): Promise<FakeCarrierServer> {
  const shipments = new Map<number, FakeShipment>();
  let nextId = 1_234_567_890;
  let clock = Date.parse('2026-11-23T08:00:00Z');
  const tick = () => new Date((clock += 60_000)).toISOString().replace('Z', '+00:00');

  const setStatus = (s: FakeShipment, status: string) => {
    s.status = status;
    s.history.push({ status, datetime: tick() });
  };

  const view = (s: FakeShipment) => ({
    href: `https://api-shipx-pl.easypack24.net/v1/shipments/${s.id}`,
    id: s.id,
    status: s.status,
    tracking_number: s.tracking_number,
    service: s.service,
    reference: s.reference,
    is_return: s.is_return,
    custom_attributes: s.custom_attributes,
    receiver: s.receiver,
    parcels: s.parcels,
    created_at: s.history[0]?.datetime,
    updated_at: s.history[s.history.length - 1]?.datetime,
  });

  const get = (id: string): FakeShipment | undefined => shipments.get(Number(id));

  // ShipX buys the offer asynchronously; a read after create sees it done.
  const settle = (s: FakeShipment) => {
    if (s.status === 'created') {
      s.tracking_number = `6${String(s.id).padStart(23, '0')}`;
      setStatus(s, 'confirmed');
    }
  };

  function route(req: RecordedRequest): FakeReply {
    if (req.headers.authorization !== `Bearer ${opts.token}`) {
      return error(401, 'unauthorized', 'Access token is missing or invalid.');
    }
    const org = `/v1/organizations/${opts.organizationId}/shipments`;
    if (req.path === org && req.method === 'POST') {
      const body = JSON.parse(req.body) as Record<string, unknown>;
      const problems = validateCreate(body);
      if (Object.keys(problems).length) return error(400, 'validation_failed', VALIDATION, problems);
      const receiver = (body.receiver as FakeShipment['receiver'] | undefined) ?? { name: 'organization 1111' };
      const s: FakeShipment = {
        id: nextId++,
        status: 'created',
        tracking_number: null,
        reference: (body.reference as string | undefined) ?? null,
        service: String(body.service ?? 'inpost_courier_standard'),
        is_return: body.is_return === true,
        custom_attributes: (body.custom_attributes ?? {}) as Record<string, unknown>,
        parcels: (body.parcels as unknown[]).map((p, i) => ({
          ...(p as object),
          id: (p as { id?: unknown }).id ?? String(i + 1),
        })),
        receiver,
        history: [],
      };
      setStatus(s, 'created');
      shipments.set(s.id, s);
      return { status: 201, json: view(s) };
    }
    if (req.path === org && req.method === 'GET') {
      const ref = req.query.get('reference');
      const items = [...shipments.values()].filter((s) => ref === null || s.reference === ref).map(view);
      return { status: 200, json: { href: req.path, count: items.length, page: 1, per_page: 100, items } };
    }
    if (req.path.startsWith('/v1/organizations/'))
      return error(403, 'access_forbidden', 'Organization not available for this token.');

    const label = /^\/v1\/shipments\/(\d+)\/label$/.exec(req.path);
    if (label && req.method === 'GET') {
      const s = get(label[1] ?? '');
      if (!s) return error(404, 'resource_not_found', 'Resource not found.');
      if (s.status === 'canceled')
        return error(400, 'invalid_action', 'Label is not available for a canceled shipment.');
      const name = s.receiver.name ?? `${s.receiver.first_name ?? ''} ${s.receiver.last_name ?? ''}`;
      const format = req.query.get('format');
      if (format === 'zpl')
        return {
          status: 200,
          body: tinyZpl([s.tracking_number ?? '', name]),
          contentType: 'text/plain; charset=utf-8',
        };
      if (format === 'pdf')
        return { status: 200, body: tinyPdf(`InPost ${s.tracking_number}`), contentType: 'application/pdf' };
      return error(400, 'validation_failed', 'Unsupported format.', { format: ['invalid'] });
    }
    const one = /^\/v1\/shipments\/(\d+)$/.exec(req.path);
    if (one) {
      const s = get(one[1] ?? '');
      if (!s) return error(404, 'resource_not_found', 'Resource not found.');
      if (req.method === 'GET') {
        settle(s);
        return { status: 200, json: view(s) };
      }
      if (req.method === 'DELETE') {
        if (!CANCELLABLE.has(s.status)) {
          return error(400, 'invalid_action', `Action cancel is not available for shipment in status ${s.status}.`);
        }
        setStatus(s, 'canceled');
        return { status: 204 };
      }
    }
    const tr = /^\/v1\/tracking\/(\w+)$/.exec(req.path);
    if (tr && req.method === 'GET') {
      const s = [...shipments.values()].find((x) => x.tracking_number === tr[1]);
      if (!s) return error(404, 'resource_not_found', 'Resource not found.');
      return {
        status: 200,
        json: {
          tracking_number: s.tracking_number,
          service: s.service,
          type: s.service,
          status: s.status,
          custom_attributes: {},
          // ShipX lists the newest first.
          tracking_details: [...s.history]
            .reverse()
            .map((h) => ({ status: h.status, origin_status: null, agency: null, datetime: h.datetime })),
          expected_flow: [],
          created_at: s.history[0]?.datetime,
          updated_at: s.history[s.history.length - 1]?.datetime,
        },
      };
    }
    return error(404, 'resource_not_found', 'Resource not found.');
  }

  return startFakeServer({
    route,
    rejection: () =>
      error(400, 'validation_failed', 'There are some validation errors Check details object for more info.', {
        parcels: [{ 0: { weight: [{ amount: ['too_small'] }] } }],
      }),
    unauthorized: () => error(401, 'unauthorized', 'Access token is missing or invalid.'),
    pushStatuses(id, statuses) {
      const s = get(id);
      if (!s) throw new Error(`no shipment ${id}`);
      settle(s);
      for (const st of statuses) setStatus(s, st);
    },
    shipmentCount: () => shipments.size,
  });
}
