/**
 * A local DHL: Parcel DE Shipping v2 under /parcel/de/shipping/v2 (orders POST/GET/DELETE,
 * multi-status items, validation messages) and the tracking API under /track/shipments.
 */
import {
  startFakeServer,
  tinyPdf,
  tinyZpl,
  type FakeCarrierServer,
  type FakeReply,
  type RecordedRequest,
} from './fake-http.js';

interface FakeDhlShipment {
  shipmentNo: string;
  deleted: boolean;
  consigneeName: string;
  city: string;
  /** Tracking status codes with times, oldest first. */
  events: { statusCode: string; timestamp: string; description: string }[];
}

const SHIPPING = '/parcel/de/shipping/v2';
const okStatus = { title: 'OK', statusCode: 200, instance: 'string', detail: 'The Webservice call ran successfully.' };

const problem = (
  status: number,
  detail: string,
  validation: { property: string; validationMessage: string }[] = [],
): FakeReply => ({
  status,
  json: {
    title: status === 401 ? 'Unauthorized' : 'Error',
    statusCode: status,
    detail,
    status: { title: 'Error', statusCode: status, detail },
    ...(validation.length
      ? {
          items: [
            {
              sstatus: { title: 'Bad Request', statusCode: status },
              validationMessages: validation.map((v) => ({ ...v, validationState: 'Error' })),
            },
          ],
        }
      : {}),
  },
});

export async function startDhlFake(opts: {
  apiKey: string;
  username: string;
  password: string;
}): Promise<FakeCarrierServer> {
  const shipments = new Map<string, FakeDhlShipment>();
  let counter = 1;
  let clock = Date.parse('2026-11-23T08:00:00Z');
  // DHL event timestamps come without a zone.
  const tick = () => new Date((clock += 60_000)).toISOString().slice(0, 19);
  const basic = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;

  const labelDoc = (s: FakeDhlShipment, docFormat: string | null) =>
    docFormat === 'ZPL2'
      ? { zpl2: tinyZpl([s.shipmentNo, s.consigneeName, s.city]), fileFormat: 'ZPL2' }
      : { b64: tinyPdf(`DHL ${s.shipmentNo}`).toString('base64'), fileFormat: 'PDF', printFormat: 'A4' };

  function shipping(req: RecordedRequest): FakeReply {
    if (req.headers['dhl-api-key'] !== opts.apiKey || req.headers.authorization !== basic) {
      return problem(401, 'Unauthorized: invalid API key or user credentials.');
    }
    if (req.path !== `${SHIPPING}/orders`) return problem(404, 'Not found.');
    if (req.method === 'POST') {
      const body = JSON.parse(req.body) as { profile?: string; shipments?: Record<string, any>[] };
      const sh = body.shipments?.[0];
      const missing: { property: string; validationMessage: string }[] = [];
      if (!body.profile) missing.push({ property: 'profile', validationMessage: 'Profile is required' });
      if (!sh?.billingNumber)
        missing.push({ property: 'billingNumber', validationMessage: 'Billing number is required' });
      if (!sh?.shipper?.addressStreet)
        missing.push({ property: 'shipper.addressStreet', validationMessage: 'Street name is required' });
      if (!sh?.consignee?.addressStreet)
        missing.push({ property: 'consignee.addressStreet', validationMessage: 'Street name is required' });
      if (!/^[A-Z]{3}$/.test(String(sh?.consignee?.country ?? ''))) {
        missing.push({ property: 'consignee.country', validationMessage: 'Country must be ISO 3166-1 alpha-3' });
      }
      if (missing.length || !sh) return problem(400, 'Validation failed.', missing);
      const s: FakeDhlShipment = {
        shipmentNo: `00340434${String(counter++).padStart(12, '0')}`,
        deleted: false,
        consigneeName: String(sh.consignee.contactName ?? sh.consignee.name1),
        city: String(sh.consignee.city),
        events: [
          {
            statusCode: 'pre-transit',
            timestamp: tick(),
            description: 'The shipment data has been transmitted electronically.',
          },
        ],
      };
      shipments.set(s.shipmentNo, s);
      return {
        status: 200,
        json: {
          status: okStatus,
          items: [
            {
              shipmentNo: s.shipmentNo,
              sstatus: okStatus,
              shipmentRefNo: sh.refNo,
              label: labelDoc(s, req.query.get('docFormat')),
            },
          ],
        },
      };
    }
    const no = req.query.get('shipment') ?? '';
    const s = shipments.get(no);
    const itemError = (detail: string): FakeReply => ({
      status: 400,
      json: {
        status: { title: 'Error', statusCode: 400, detail: 'Bad request.' },
        items: [{ shipmentNo: no, sstatus: { title: 'Bad Request', statusCode: 400, detail } }],
      },
    });
    if (req.method === 'GET') {
      if (!s || s.deleted) return itemError(`Shipment ${no} is unknown or was deleted.`);
      return {
        status: 200,
        json: {
          status: okStatus,
          items: [{ shipmentNo: no, sstatus: okStatus, label: labelDoc(s, req.query.get('docFormat')) }],
        },
      };
    }
    if (req.method === 'DELETE') {
      if (!s || s.deleted) return itemError(`Shipment ${no} is unknown or was deleted.`);
      if (s.events.some((e) => e.statusCode !== 'pre-transit')) {
        return itemError(`Shipment ${no} has already been handed over to DHL and cannot be deleted.`);
      }
      s.deleted = true;
      return {
        status: 200,
        json: { status: okStatus, items: [{ shipmentNo: no, sstatus: { title: 'OK', status: 200, statusCode: 200 } }] },
      };
    }
    return problem(405, 'Method not allowed.');
  }

  function tracking(req: RecordedRequest): FakeReply {
    if (req.headers['dhl-api-key'] !== opts.apiKey)
      return { status: 401, json: { status: 401, title: 'Unauthorized', detail: 'Invalid API key.' } };
    const s = shipments.get(req.query.get('trackingNumber') ?? '');
    if (!s)
      return {
        status: 404,
        json: { title: 'No result found', detail: 'No shipment with given tracking number found.', status: 404 },
      };
    const ev = s.events.map((e) => ({
      timestamp: e.timestamp,
      statusCode: e.statusCode,
      status: e.statusCode.toUpperCase(),
      description: e.description,
      location: { address: { addressLocality: s.city } },
    }));
    // The tracking API lists the newest event first.
    return {
      status: 200,
      json: {
        shipments: [
          { id: s.shipmentNo, service: 'parcel-de', status: ev[ev.length - 1], details: {}, events: [...ev].reverse() },
        ],
      },
    };
  }

  return startFakeServer({
    route: (req) => (req.path.startsWith('/track/') ? tracking(req) : shipping(req)),
    rejection: () =>
      problem(400, 'Validation failed.', [
        { property: 'shipper.addressStreet', validationMessage: 'Street name is required' },
      ]),
    unauthorized: () => problem(401, 'Unauthorized: invalid API key or user credentials.'),
    pushStatuses(id, statuses) {
      const s = shipments.get(id);
      if (!s) throw new Error(`no shipment ${id}`);
      for (const st of statuses) s.events.push({ statusCode: st, timestamp: tick(), description: `status ${st}` });
    },
    shipmentCount: () => shipments.size,
  });
}
