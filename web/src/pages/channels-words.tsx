import { ApiError } from '../api';
import { formatDateTime } from '../format';
import { useI18n } from '../i18n/index';
import { channelsMessages, type ChannelsKey } from '../i18n/channels-messages';
import { useMessages, type ChunkTranslate } from '../i18n/index';

/** Connector kinds are brand names: written as the brands write them, in every language. */
const KIND_NAMES: Record<string, string> = {
  woocommerce: 'WooCommerce',
  shopify: 'Shopify',
  allegro: 'Allegro',
  amazon: 'Amazon',
  wildberries: 'Wildberries',
  ozon: 'Ozon',
};

export interface ChannelWords {
  t: ChunkTranslate<ChannelsKey>;
  locale: string;
  kind(kind: string): string;
  status(status: string): string;
  outcome(outcome: string): string;
  via(via: string): string;
  event(type: string): string;
  /** A reason the server gave, in the user's language when it is one the page knows. */
  reason(reason: string | null): string;
  when(iso: string | null): string;
  /** The server's refusal as a sentence (403 in words), never a code. */
  problem(e: unknown): string;
}

export function useChannelWords(): ChannelWords {
  const t = useMessages(channelsMessages);
  const { locale } = useI18n();
  return {
    t,
    locale,
    kind: (k) => KIND_NAMES[k] ?? k,
    status: (s) => t.maybe(`ch.status.${s}`, s),
    outcome: (o) => t.maybe(`ch.outcome.${o}`, o.replaceAll('_', ' ')),
    via: (v) => t.maybe(`ch.via.${v}`, v),
    event: (e) => t.maybe(`ch.event.${e}`, e),
    reason: (r) => {
      if (!r) return '';
      // The placeholder order mapping of this branch answers "/: not yet" (src/app/channels/to-order-input.ts).
      if (/^\/?:?\s*not yet$/.test(r.trim())) return t('ch.reason.notYet');
      if (r === 'the connection is paused') return t('ch.reason.paused');
      return r;
    },
    when: (iso) => (iso ? formatDateTime(iso, locale) : t('ch.never')),
    problem: (e) =>
      e instanceof ApiError
        ? e.status === 403
          ? t('common.forbidden')
          : (e.problem.detail ?? e.problem.title ?? e.message)
        : e instanceof Error
          ? e.message
          : String(e),
  };
}

/** A status pill: green when active, grey when paused; the log's outcomes in their colours. */
export function Pill({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'off'; children: string }) {
  const cls = { ok: 'state-delivered', warn: 'state-awaiting_payment', bad: 'state-on_hold', off: 'state-cancelled' }[
    tone
  ];
  return <span className={`badge ${cls}`}>{children}</span>;
}

export const OUTCOME_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'off'> = {
  created: 'ok',
  updated: 'ok',
  ignored: 'off',
  failed: 'bad',
  rejected: 'bad',
  exception: 'warn',
  duplicate: 'off',
};
