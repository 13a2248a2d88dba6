/**
 * A local Allegro REST API: the order events journal, checkout forms, parcel numbers,
 * fulfillment status (with the `checkoutForm.revision` check), the offer quantity command and
 * GET /me, with Allegro's error bodies, bearer auth and its media type in Accept/Content-Type.
 * Orders are built from a checkout form sample (the spec example from ../shared when the test
 * passes it, else the hand-written sample in allegro/allegro-sample.json) with the id replaced.
 */
import { readFileSync } from 'node:fs';
import { startFakeServer, type FakeChannelServer, type FakeReply, type RecordedRequest } from './fake-http.js';

export const ALLEGRO_FAKE_MEDIA_TYPE = 'application/vnd.allegro.public.v1+json';

export function allegroSampleForm(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../allegro/allegro-sample.json', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

interface FakeEvent {
  id: string;
  type: string;
  occurredAt: string;
  formId: string;
}

export interface AllegroFake extends FakeChannelServer {
  /** Puts a paid order (READY_FOR_PROCESSING event) built from the sample with this id. */
  addOrder(checkoutFormId: string, changes?: (form: Record<string, any>) => void): Record<string, any>;
  /** A raw event (e.g. a broken one) appended to the journal. */
  addRawEvent(event: Record<string, unknown>): void;
  /** The buyer cancels: BUYER_CANCELLED event and form status CANCELLED. */
  buyerCancels(checkoutFormId: string): void;
  /** The buyer changes the form: new revision and a BUYER_MODIFIED event. */
  buyerModifies(checkoutFormId: string, changes: (form: Record<string, any>) => void): void;
  forms: Map<string, Record<string, any>>;
  shipments: { formId: string; carrierId: string; carrierName?: string; waybill: string; lineItems: string[] }[];
  fulfillment: { formId: string; status: string; revision: string | null }[];
  stock: Map<string, number>;
  commands: { id: string; value: number; offers: string[] }[];
  knownOffers: string[];
}

const problem = (status: number, code: string, message: string, path: string | null = null): FakeReply => ({
  status,
  json: { errors: [{ code, message, details: null, path, userMessage: message }] },
});

export async function startAllegroFake(opts: {
  token: string;
  sample?: Record<string, unknown>;
  offers?: string[];
}): Promise<AllegroFake> {
  const sample = opts.sample ?? allegroSampleForm();
  const forms = new Map<string, Record<string, any>>();
  const journal: (FakeEvent | Record<string, unknown>)[] = [];
  const shipments: AllegroFake['shipments'] = [];
  const fulfillment: AllegroFake['fulfillment'] = [];
  const commands: AllegroFake['commands'] = [];
  const tasksByCommand = new Map<string, unknown[]>();
  const sampleOffers = ((sample.lineItems as { offer: { id: string } }[]) ?? []).map((item) => item.offer.id);
  const knownOffers = [...new Set([...(opts.offers ?? []), ...sampleOffers])];
  const stock = new Map<string, number>(knownOffers.map((id) => [id, 1]));
  let nextEvent = 1_000_000_000;
  let clock = Date.parse('2026-11-30T10:00:00Z');
  let revisionCounter = 1;
  const tick = () => new Date((clock += 1000)).toISOString();
  const newRevision = () => `rev${(revisionCounter++).toString(16).padStart(6, '0')}`;

  const pushEvent = (type: string, formId: string) =>
    journal.push({ id: String(nextEvent++), type, occurredAt: tick(), formId });

  const eventView = (event: FakeEvent | Record<string, unknown>): unknown => {
    if (!('formId' in event)) return event;
    const form = forms.get(event.formId as string);
    return {
      id: event.id,
      type: event.type,
      occurredAt: event.occurredAt,
      order: {
        seller: { id: '437848322' },
        buyer: form
          ? { id: form.buyer.id, email: form.buyer.email, login: form.buyer.login, guest: form.buyer.guest }
          : undefined,
        lineItems: form?.lineItems ?? [],
        checkoutForm: { id: event.formId, revision: form?.revision ?? null },
      },
    };
  };

  function route(req: RecordedRequest): FakeReply {
    if (req.headers.authorization !== `Bearer ${opts.token}`)
      return {
        status: 401,
        json: { error: 'invalid_token', error_description: 'Invalid access token' },
      };
    if (req.headers.accept !== ALLEGRO_FAKE_MEDIA_TYPE)
      return problem(
        406,
        'NotAcceptableException',
        "Not acceptable representation requested. Please check 'Accept' request header",
      );
    if (req.body && !String(req.headers['content-type'] ?? '').startsWith(ALLEGRO_FAKE_MEDIA_TYPE))
      return problem(415, 'UnsupportedMediaTypeException', 'Unsupported media type. Please check Content-Type header');

    if (req.method === 'GET' && req.path === '/me')
      return {
        status: 200,
        json: { id: '437848322', login: 'Sklep_Ordo', firstName: 'Ordo', email: 'sklep@example.pl' },
      };

    if (req.method === 'GET' && req.path === '/order/events') {
      const from = req.query.get('from');
      const types = req.query.getAll('type');
      const limit = Number(req.query.get('limit') ?? '100');
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        return problem(422, 'VALIDATION_ERROR', 'limit must be between 1 and 1000', 'limit');
      let start = 0;
      if (from) {
        const index = journal.findIndex((event) => event.id === from);
        if (index < 0) return problem(400, 'EventNotFoundException', `Event ${from} not found`, 'from');
        start = index + 1;
      }
      const events = journal
        .slice(start)
        .filter((event) => types.length === 0 || types.includes(String(event.type)))
        .slice(0, limit)
        .map(eventView);
      return { status: 200, json: { events } };
    }

    const formMatch = /^\/order\/checkout-forms\/([^/]+)(\/shipments|\/fulfillment)?$/.exec(req.path);
    if (formMatch) {
      const formId = decodeURIComponent(formMatch[1]!);
      const form = forms.get(formId);
      if (!form) return problem(404, 'NOT_FOUND', `Checkout form ${formId} not found`);
      if (!formMatch[2] && req.method === 'GET') return { status: 200, json: form };
      if (formMatch[2] === '/shipments' && req.method === 'POST') {
        const body = JSON.parse(req.body) as {
          carrierId?: string;
          carrierName?: string;
          waybill?: string;
          lineItems?: { id: string }[];
        };
        if (!body.carrierId || !body.waybill || !body.lineItems?.length)
          return problem(400, 'VALIDATION_ERROR', 'carrierId, waybill and lineItems are required');
        if (body.carrierId === 'OTHER' && !body.carrierName)
          return problem(400, 'VALIDATION_ERROR', 'carrierName is required for carrier OTHER', 'carrierName');
        if (!/^[\w()-]{1,64}$/.test(body.waybill))
          return problem(400, 'VALIDATION_ERROR', 'Invalid waybill', 'waybill');
        const ids = new Set((form.lineItems as { id: string }[]).map((item) => item.id));
        const unknown = body.lineItems.find((item) => !ids.has(item.id));
        if (unknown) return problem(422, 'VALIDATION_ERROR', `Line item ${unknown.id} does not belong to the order`);
        shipments.push({
          formId,
          carrierId: body.carrierId,
          ...(body.carrierName ? { carrierName: body.carrierName } : {}),
          waybill: body.waybill,
          lineItems: body.lineItems.map((item) => item.id),
        });
        return {
          status: 201,
          json: {
            id: `shp-${shipments.length}`,
            waybill: body.waybill,
            carrierId: body.carrierId,
            lineItems: body.lineItems,
            createdAt: tick(),
          },
        };
      }
      if (formMatch[2] === '/fulfillment' && req.method === 'PUT') {
        const body = JSON.parse(req.body) as { status?: string };
        if (
          ![
            'NEW',
            'PROCESSING',
            'READY_FOR_SHIPMENT',
            'READY_FOR_PICKUP',
            'SENT',
            'PICKED_UP',
            'CANCELLED',
            'SUSPENDED',
          ].includes(body.status ?? '')
        )
          return problem(422, 'VALIDATION_ERROR', `Unrecognized status value ${body.status}`, 'status');
        const revision = req.query.get('checkoutForm.revision');
        if (revision !== null && revision !== form.revision)
          return problem(409, 'CONFLICT', `Checkout form revision ${revision} is outdated`, 'checkoutForm.revision');
        fulfillment.push({ formId, status: body.status!, revision });
        form.fulfillment = { ...(form.fulfillment ?? {}), status: body.status };
        return { status: 204 };
      }
    }

    const command = /^\/sale\/offer-quantity-change-commands\/([^/]+)(\/tasks)?$/.exec(req.path);
    if (command && !command[2] && req.method === 'PUT') {
      const body = JSON.parse(req.body) as {
        modification?: { changeType?: string; value?: number };
        offerCriteria?: { type?: string; offers?: { id: string }[] }[];
      };
      const value = body.modification?.value;
      if (body.modification?.changeType !== 'FIXED' || !Number.isInteger(value) || (value as number) < 0)
        return problem(
          422,
          'VALIDATION_ERROR',
          'modification must be FIXED with a non-negative integer value',
          'modification',
        );
      const offers = (body.offerCriteria ?? []).flatMap((criterion) =>
        criterion.type === 'CONTAINS_OFFERS' ? (criterion.offers ?? []).map((offer) => offer.id) : [],
      );
      if (offers.length === 0 || offers.length > 1000)
        return problem(422, 'VALIDATION_ERROR', 'A command takes 1 to 1000 offers', 'offerCriteria');
      const tasks = offers.map((id) => {
        if (!stock.has(id))
          return {
            offer: { id },
            field: 'stock.available',
            status: 'FAIL',
            message: 'Offer not found',
            errors: [{ code: 'NOT_FOUND', message: `Offer ${id} not found`, userMessage: `Oferta ${id} nie istnieje` }],
          };
        stock.set(id, value as number);
        return { offer: { id }, field: 'stock.available', status: 'SUCCESS', scheduledAt: tick(), finishedAt: tick() };
      });
      commands.push({ id: command[1]!, value: value as number, offers });
      tasksByCommand.set(command[1]!, tasks);
      const failed = tasks.filter((task) => task.status === 'FAIL').length;
      return {
        status: 201,
        json: { id: command[1], taskCount: { total: tasks.length, success: tasks.length - failed, failed } },
      };
    }
    if (command?.[2] && req.method === 'GET') {
      const tasks = tasksByCommand.get(command[1]!);
      if (!tasks) return problem(404, 'NOT_FOUND', 'Command not found');
      return { status: 200, json: { tasks } };
    }
    return problem(404, 'NOT_FOUND', `No route ${req.method} ${req.path}`);
  }

  const server = await startFakeServer({
    route,
    rejection: () => problem(422, 'VALIDATION_ERROR', 'Some of the provided data is invalid'),
    unauthorized: () => ({ status: 401, json: { error: 'invalid_token', error_description: 'Access token expired' } }),
  });

  return {
    ...server,
    forms,
    shipments,
    fulfillment,
    stock,
    commands,
    knownOffers,
    addOrder(checkoutFormId, changes) {
      const form = structuredClone(sample) as Record<string, any>;
      form.id = checkoutFormId;
      form.revision = newRevision();
      form.status = 'READY_FOR_PROCESSING';
      form.fulfillment = { status: 'NEW', shipmentSummary: { lineItemsSent: 'NONE' } };
      form.updatedAt = tick();
      changes?.(form);
      forms.set(checkoutFormId, form);
      pushEvent('READY_FOR_PROCESSING', checkoutFormId);
      return form;
    },
    addRawEvent(event) {
      journal.push({ ...event, id: event.id ?? String(nextEvent++) });
    },
    buyerCancels(checkoutFormId) {
      const form = forms.get(checkoutFormId);
      if (form) {
        form.status = 'CANCELLED';
        form.revision = newRevision();
        form.updatedAt = tick();
      }
      pushEvent('BUYER_CANCELLED', checkoutFormId);
    },
    buyerModifies(checkoutFormId, changes) {
      const form = forms.get(checkoutFormId);
      if (!form) throw new Error(`no form ${checkoutFormId}`);
      changes(form);
      form.revision = newRevision();
      form.updatedAt = tick();
      pushEvent('BUYER_MODIFIED', checkoutFormId);
    },
  };
}
