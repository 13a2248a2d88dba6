import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { address, code, currency, text } from '../schemas.js';
import { scheduleTimer } from '../events/timers.js';
import '../../store/schema-channels.js';
import '../../store/schema-edi.js';

export const EDI_OUTBOUND_JOB = 'edi.outbound';
export const EDI_KINDS = ['edifact', 'ubl'] as const;

const gln = z.string().regex(/^\d{13}$/, 'a GLN has 13 digits');
const ediId = text(35).min(1);

/** An EDI partner's set-up; stored as the settings of a channel connection of kind edifact or ubl. */
export const partnerSettings = z
  .object({
    name: text(200).min(1),
    /** Our GLN as this partner knows us (NAD+SU / SellerSupplierParty); orders for another supplier are refused. */
    ourGln: gln,
    /** Other ids this partner may name us by as the supplier (a Peppol party id such as an organisation number). */
    ourPartyIds: z.array(text(100).min(1)).max(20).default([]),
    /** Buyer GLNs (NAD+BY / BuyerCustomerParty) → the Ordo customer (code) the orders are for. */
    buyers: z
      .array(
        z
          .object({
            gln,
            customer: code,
            address: address.optional().describe('where its orders go when they name no delivery point'),
          })
          .strict(),
      )
      .min(1)
      .max(500),
    /** Delivery point GLNs (NAD+DP / Delivery/DeliveryLocation) and their addresses. */
    deliveryPoints: z
      .array(z.object({ gln, address: address.optional() }).strict())
      .max(5000)
      .default([]),
    /** EDIFACT: the partner's interchange id (UNB sender when it sends) and ours (UNB recipient). */
    interchange: z
      .object({
        partnerId: ediId,
        partnerQualifier: text(4).optional(),
        ourId: ediId,
        ourQualifier: text(4).optional(),
        /** Syntax identifier of what we send: UNOC (Latin-1 repertoire) or UNOY (UTF-8, Cyrillic). */
        syntax: z.enum(['UNOA', 'UNOB', 'UNOC', 'UNOY']).default('UNOC'),
      })
      .strict()
      .optional(),
    /** UBL / Peppol: endpoint ids as scheme:id (e.g. 0088:5790000435968). */
    peppol: z
      .object({
        partnerEndpoint: z.string().regex(/^\d{4}:.{1,100}$/, 'scheme:id'),
        ourEndpoint: z.string().regex(/^\d{4}:.{1,100}$/, 'scheme:id'),
      })
      .strict()
      .optional(),
    /** Which messages go back: order response (ORDRSP / OrderResponse), despatch advice, invoice (EDIFACT only). */
    send: z
      .object({
        orderResponse: z.boolean().default(true),
        despatchAdvice: z.boolean().default(true),
        invoice: z.boolean().default(false),
      })
      .strict()
      .default({ orderResponse: true, despatchAdvice: true, invoice: false }),
    /** Currency of orders that name none (CUX absent). */
    currency: currency.optional(),
    /** Where outgoing messages are POSTed; absent = fetched through the API only. */
    deliveryUrl: z.url().max(2000).optional(),
  })
  .strict();

export type PartnerSettings = z.infer<typeof partnerSettings>;

export const partnerInput = z
  .object({
    channel: code.describe('the Ordo channel its orders come in on (created when missing)'),
    syntax: z.enum(EDI_KINDS),
    settings: partnerSettings,
    articles: z
      .array(z.object({ partnerArticle: text(100).min(1), sku: z.string().min(1).max(100) }).strict())
      .max(100_000)
      .default([])
      .describe("the partner's own article numbers (PIA …:IN, BuyersItemIdentification) → SKU"),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.syntax === 'edifact' && !value.settings.interchange)
      ctx.addIssue({
        code: 'custom',
        path: ['settings', 'interchange'],
        message: 'an EDIFACT partner needs its UNB ids',
      });
    if (value.syntax === 'ubl' && !value.settings.peppol)
      ctx.addIssue({ code: 'custom', path: ['settings', 'peppol'], message: 'a UBL partner needs its endpoint ids' });
  });

export interface Partner {
  id: string;
  channelId: string;
  channel: string;
  syntax: (typeof EDI_KINDS)[number];
  status: 'active' | 'paused';
  settings: PartnerSettings;
  outboundSeq: string;
}

function selectPartners(store: TenantScope) {
  return store
    .selectFrom('channel_connections')
    .innerJoin('channels', (j) =>
      j
        .onRef('channels.tenant_id', '=', 'channel_connections.tenant_id')
        .onRef('channels.id', '=', 'channel_connections.channel_id'),
    )
    .select([
      'channel_connections.id',
      'channel_connections.channel_id',
      'channel_connections.kind',
      'channel_connections.status',
      'channel_connections.settings',
      'channel_connections.outbound_seq',
      'channels.code as channel_code',
    ])
    .where('channel_connections.kind', 'in', [...EDI_KINDS]);
}

type PartnerRow = Awaited<ReturnType<ReturnType<typeof selectPartners>['execute']>>[number];

function toPartner(row: PartnerRow): Partner {
  return {
    id: row.id,
    channelId: row.channel_id,
    channel: row.channel_code,
    syntax: row.kind as Partner['syntax'],
    status: row.status,
    settings: row.settings as unknown as PartnerSettings,
    outboundSeq: String(row.outbound_seq),
  };
}

export async function listPartners(store: TenantScope): Promise<Partner[]> {
  return (await selectPartners(store).orderBy('channels.code').execute()).map(toPartner);
}

export async function getPartner(store: TenantScope, id: string): Promise<Partner> {
  const row = await selectPartners(store).where('channel_connections.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `EDI partner ${id} not found`);
  return toPartner(row);
}

/** The EDIFACT partner whose UNB sender id this is (the qualifier is checked when the set-up names one). */
export function partnerBySender(partners: Partner[], id: string, qualifier: string): Partner | undefined {
  return partners.find(
    (p) =>
      p.syntax === 'edifact' &&
      p.settings.interchange?.partnerId === id &&
      (!p.settings.interchange.partnerQualifier || p.settings.interchange.partnerQualifier === qualifier),
  );
}

/** The UBL partner whose Peppol endpoint id (scheme:id) or buyer GLN this is. */
export function partnerByEndpoint(partners: Partner[], endpoint: string | undefined, buyerGln: string | undefined) {
  return partners.find(
    (p) =>
      p.syntax === 'ubl' &&
      ((endpoint !== undefined && p.settings.peppol?.partnerEndpoint === endpoint) ||
        (buyerGln !== undefined && p.settings.buyers.some((b) => b.gln === buyerGln))),
  );
}

/** Creates the partner: the channel (when missing), the connection, its article mappings and its outbound job. */
export async function createPartner(store: TenantScope, actor: Actor, now: Date, input: z.infer<typeof partnerInput>) {
  return atomically(store, async (tx) => {
    let channel = await tx.selectFrom('channels').select(['id']).where('code', '=', input.channel).executeTakeFirst();
    if (!channel) {
      channel = { id: newId() };
      await tx
        .insertInto('channels', {
          id: channel.id,
          code: input.channel,
          name: input.settings.name,
          kind: 'edi',
          process_key: null,
          price_list: null,
          currency: input.settings.currency ?? null,
          settings: JSON.stringify({}),
        })
        .execute();
    }
    const taken = await tx
      .selectFrom('channel_connections')
      .select('id')
      .where('channel_id', '=', channel.id)
      .executeTakeFirst();
    if (taken)
      throw new AppError('ALREADY_EXISTS', `channel ${input.channel} is connected already`, [
        { path: '/channel', message: 'already connected' },
      ]);
    const skus = [...new Set(input.articles.map((a) => a.sku))];
    if (skus.length) {
      const known = new Set(
        (await tx.selectFrom('products').select('sku').where('sku', 'in', skus).execute()).map((r) => r.sku),
      );
      const errors = input.articles.flatMap((a, i) =>
        known.has(a.sku) ? [] : [{ path: `/articles/${i}/sku`, message: `no product ${a.sku}` }],
      );
      if (errors.length) throw new AppError('UNKNOWN_SKU', 'some articles map to unknown SKUs', errors);
    }
    const id = newId();
    await tx
      .insertInto('channel_connections', {
        id,
        channel_id: channel.id,
        kind: input.syntax,
        base_url: input.settings.deliveryUrl ?? '',
        // EDI partners need no credentials: the API key that posts the interchange authenticates it
        credentials: '',
        settings: JSON.stringify(input.settings),
        mappings: JSON.stringify({}),
        webhook_token: `edi-${id}`,
        poll_cursor: null,
        last_polled_at: null,
        stock_synced_at: null,
        last_error: null,
        last_error_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    if (input.articles.length)
      await tx
        .insertInto(
          'channel_offers',
          input.articles.map((a) => ({
            connection_id: id,
            offer_id: a.partnerArticle,
            sku: a.sku,
            pushed_quantity: null,
            pushed_at: null,
            push_error: null,
            updated_at: now,
          })),
        )
        .execute();
    await tx.insertInto('edi_control_numbers', { partner_id: id, last_ref: '0' }).execute();
    await scheduleTimer(tx, { kind: EDI_OUTBOUND_JOB, key: `edi-out:${id}`, runAt: now, payload: { id } });
    await writeAudit(tx, actor, now, {
      entity: 'channel_connection',
      entityId: id,
      action: 'created',
      changes: { channel: input.channel, kind: input.syntax, edi: input.settings.name },
    });
    return getPartner(tx, id);
  });
}

/**
 * The next control reference for what we send this partner: the counter row is updated (and
 * so locked) in the caller's transaction, so two senders wait for each other and a rolled back
 * message gives its number back: no gaps, no repeats.
 */
export async function nextControlRef(tx: TenantScope, partnerId: string): Promise<string> {
  const row = await tx
    .updateTable('edi_control_numbers')
    .set((eb) => ({ last_ref: eb('last_ref', '+', '1') }))
    .where('partner_id', '=', partnerId)
    .returning('last_ref')
    .executeTakeFirstOrThrow();
  return String(row.last_ref);
}
