import { sql } from 'kysely';
import type {
  ManualShipmentRecord,
  ManualShipmentStore,
  ShipmentRequest,
  TrackingEvent,
} from '../../integrations/carriers/index.js';
import { currentStatus } from '../../integrations/carriers/manual/manual-adapter.js';
import type { Db } from '../../store/db.js';
import '../../store/schema-fulfilment.js';
import '../../store/schema-manual-carrier.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Row = { carrier_shipment_id: string; tracking_number: string; request: unknown; events: unknown };

const toRecord = (r: Row): ManualShipmentRecord => ({
  carrierShipmentId: r.carrier_shipment_id,
  trackingNumber: r.tracking_number,
  request: r.request as ShipmentRequest,
  events: r.events as TrackingEvent[],
});

/**
 * The own fleet's shipments in the database (`manual_carrier_shipments`), so labels and tracking
 * survive a restart and every process (API, workers) sees the same shipments.
 *
 * The adapter knows no tenant: the record's `reference` is Ordo's shipment id, and `put` takes the
 * tenant from that shipment (it is committed before the carrier is asked). Reads go by the
 * globally unique carrier shipment id or the reference — like the tracking webhook's look-up, the
 * only reads across tenants. `put` merges events with the stored ones by event id, so two
 * processes recording driver events at once lose neither.
 *
 * `mirror` (the embedded database): one process owns a PGlite folder and PGlite has one session,
 * which the tracking poll job holds while it asks the carrier — a read through `db` there would
 * wait for itself. So the records are loaded into memory once and every read is answered from
 * memory; writes go to the database first, then to memory. Do not use `mirror` with PostgreSQL
 * and several processes (each would see only its own writes after start).
 */
export function databaseManualStore(db: Db, opts: { mirror?: boolean } = {}): ManualShipmentStore {
  const columns = ['carrier_shipment_id', 'tracking_number', 'request', 'events'] as const;
  const base = () => db.selectFrom('manual_carrier_shipments').select([...columns]);

  let mirror: Map<string, ManualShipmentRecord> | undefined;
  // Started at once, so on PGlite it queues ahead of any job transaction opened later.
  const loaded: Promise<void> = opts.mirror
    ? base()
        .execute()
        .then((rows) => {
          mirror = new Map(rows.map((r) => [r.carrier_shipment_id, toRecord(r)]));
        })
    : Promise.resolve();
  loaded.catch(() => {}); // reported on first use
  const copy = (r: ManualShipmentRecord | undefined) => (r ? { ...r, events: [...r.events] } : undefined);

  return {
    async get(id) {
      await loaded;
      if (mirror) return copy(mirror.get(id));
      const row = await base().where('carrier_shipment_id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async findByReference(reference) {
      await loaded;
      if (mirror)
        return copy(
          [...mirror.values()].find((r) => r.request.reference === reference && currentStatus(r) !== 'cancelled'),
        );
      if (!UUID.test(reference)) return undefined;
      const rows = await base()
        .where('reference', '=', reference)
        .orderBy('created_at')
        .orderBy('carrier_shipment_id')
        .execute();
      return rows.map(toRecord).find((r) => currentStatus(r) !== 'cancelled');
    },

    async put(record) {
      await loaded;
      const reference = record.request.reference;
      const shipment = UUID.test(reference)
        ? await db.selectFrom('shipments').select('tenant_id').where('id', '=', reference).executeTakeFirst()
        : undefined;
      if (!shipment) throw new Error(`reference ${reference} is not a shipment of Ordo`);
      const now = new Date();
      const row = await db
        .insertInto('manual_carrier_shipments')
        .values({
          tenant_id: shipment.tenant_id,
          carrier_shipment_id: record.carrierShipmentId,
          tracking_number: record.trackingNumber,
          reference,
          request: JSON.stringify(record.request),
          events: JSON.stringify(record.events),
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('carrier_shipment_id').doUpdateSet({
            // Union by event id, oldest first: a concurrent writer's events are kept. Events at the
            // same time keep the order they were recorded in (stored ones first, then the writer's,
            // as the adapter's stable sort does): the event id is a hash and says nothing of order.
            events: sql<string>`(select coalesce(jsonb_agg(x.e order by (x.e->>'occurredAt')::timestamptz, x.n), '[]'::jsonb)
            from (select distinct on (e->>'eventId') e, n
                  from jsonb_array_elements(manual_carrier_shipments.events || excluded.events) with ordinality as t(e, n)
                  order by e->>'eventId', n) x)`,
            updated_at: now,
          }),
        )
        .returning([...columns])
        .executeTakeFirstOrThrow();
      if (mirror) mirror.set(row.carrier_shipment_id, toRecord(row));
    },

    ...(opts.mirror ? { peek: (id: string) => copy(mirror?.get(id)) } : {}),
  };
}
