import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ApiError, get, type ResponseOf, type Schemas } from '../api';
import { isLang, LANGUAGES, translate, translateIn, type Lang } from '../i18n/index';
import { trackingMessages } from './tracking-messages';
import { formatDateTime, formatNumber } from '../format';
import { Link } from '../router';
import { selfServiceMessages } from './self-service-messages';

type Stage =
  'placed' | 'confirmed' | 'preparing' | 'shipped' | 'delivered' | 'ready_for_pickup' | 'collected' | 'cancelled';
type Tracking = Schemas['PublicTracking'];
type SelfService = ResponseOf<'/api/v1/self-service/returns/{token}'>;
/** Stages after which something may come back: the return page is offered from here. */
const RETURNABLE_STAGES: Stage[] = ['delivered', 'collected'];

const LOCALES: Record<Lang, string> = { en: 'en-GB', pl: 'pl-PL', ru: 'ru-RU' };
const SHIP: Stage[] = ['placed', 'confirmed', 'preparing', 'shipped', 'delivered'];
const PICKUP: Stage[] = ['placed', 'confirmed', 'preparing', 'ready_for_pickup', 'collected'];

/**
 * Carrier and shipment-status words for the customer (the API gives codes such as `manual` or
 * `out_for_delivery`); an unknown code is shown as it is. Candidates for tracking-messages.ts.
 */
const CARRIERS: Record<Lang, Record<string, string>> = {
  en: { inpost: 'InPost', 'dhl-parcel-de': 'DHL', cdek: 'CDEK', manual: 'our courier' },
  pl: { inpost: 'InPost', 'dhl-parcel-de': 'DHL', cdek: 'CDEK', manual: 'nasz kurier' },
  ru: { inpost: 'InPost', 'dhl-parcel-de': 'DHL', cdek: 'СДЭК', manual: 'наш курьер' },
};
const STATUSES: Record<Lang, Record<string, string>> = {
  en: {
    pending: 'being booked',
    created: 'registered with the carrier',
    label_ready: 'registered with the carrier',
    handed_over: 'handed to the carrier',
    in_transit: 'in transit',
    out_for_delivery: 'out for delivery',
    ready_for_pickup: 'waiting at the pickup point',
    delivered: 'delivered',
    failed_delivery: 'delivery attempt failed',
    returning: 'returning to the sender',
    returned: 'returned to the sender',
    failed: 'not booked yet',
    unknown: 'status update',
  },
  pl: {
    pending: 'w trakcie nadawania',
    created: 'zarejestrowana u przewoźnika',
    label_ready: 'zarejestrowana u przewoźnika',
    handed_over: 'przekazana przewoźnikowi',
    in_transit: 'w drodze',
    out_for_delivery: 'wydana do doręczenia',
    ready_for_pickup: 'czeka w punkcie odbioru',
    delivered: 'doręczona',
    failed_delivery: 'nieudana próba doręczenia',
    returning: 'wraca do nadawcy',
    returned: 'zwrócona do nadawcy',
    failed: 'jeszcze nie nadana',
    unknown: 'zmiana statusu',
  },
  ru: {
    pending: 'оформляется',
    created: 'зарегистрировано у перевозчика',
    label_ready: 'зарегистрировано у перевозчика',
    handed_over: 'передано перевозчику',
    in_transit: 'в пути',
    out_for_delivery: 'передано курьеру для доставки',
    ready_for_pickup: 'ожидает в пункте выдачи',
    delivered: 'доставлено',
    failed_delivery: 'не удалось доставить',
    returning: 'возвращается отправителю',
    returned: 'возвращено отправителю',
    failed: 'ещё не оформлено',
    unknown: 'изменение статуса',
  },
};

/** An address that may arrive as text or as {line1, city, …}. */
function addressText(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object') {
    const o = a as Record<string, unknown>;
    return ['line1', 'line2', 'postalCode', 'city', 'country']
      .map((k) => o[k])
      .filter((v) => typeof v === 'string' && v)
      .join(', ');
  }
  return '';
}

/**
 * The customer's "where is my order" page, reached by an unguessable token: no login, no
 * console shell, in the language the order was placed in (the customer may switch).
 */
export default function TrackingPage({ token }: { token: string }) {
  const [chosen, setChosen] = useState<Lang | null>(null);
  const data = useQuery({
    queryKey: ['tracking', token],
    queryFn: () => get<Tracking>(`/tracking/${encodeURIComponent(token)}`),
    retry: false,
    refetchInterval: 60_000,
  });
  const lang: Lang =
    chosen ??
    (isLang(data.data?.language)
      ? data.data.language
      : isLang(navigator.language.slice(0, 2))
        ? (navigator.language.slice(0, 2) as Lang)
        : 'en');
  const t = translateIn(trackingMessages, lang);
  const ts = translateIn(selfServiceMessages, lang);
  // What can come back (asked only once the order has reached the customer).
  const returnsPage = useQuery({
    queryKey: ['self-service-returns', token],
    queryFn: () => get<SelfService>(`/self-service/returns/${encodeURIComponent(token)}`),
    retry: false,
    enabled: RETURNABLE_STAGES.includes(data.data?.stage as Stage),
  });
  const canReturn = returnsPage.data?.lines.some((l) => l.returnable > 0) ?? false;
  const hasReturns = (returnsPage.data?.returns.length ?? 0) > 0;
  const locale = LOCALES[lang];
  const carrierName = (c: string) => CARRIERS[lang][c] ?? c;
  const statusText = (st: string) => STATUSES[lang][st] ?? st;
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = data.data ? t('track.docTitle', { number: data.data.orderNumber }) : 'Ordo';
  });

  const switcher = (
    <div className="lang-switch track-lang" role="group" aria-label={t('user.language')}>
      {LANGUAGES.map((l) => (
        <button key={l} type="button" lang={l} aria-pressed={lang === l} onClick={() => setChosen(l)}>
          {translate(l, `lang.${l}`)}
        </button>
      ))}
    </div>
  );
  if (data.isPending)
    return (
      <main className="tracking">
        <p role="status">{t('common.loading')}</p>
      </main>
    );
  if (data.error) {
    const missing = data.error instanceof ApiError && data.error.status === 404;
    return (
      <main className="tracking">
        {switcher}
        <h1>{missing ? t('track.notFoundTitle') : t('track.errorTitle')}</h1>
        <p>{missing ? t('track.notFound') : t('common.error', { detail: data.error.message })}</p>
      </main>
    );
  }
  const o = data.data;
  const stages = o.deliveryMethod === 'pickup' ? PICKUP : SHIP;
  const at = stages.indexOf(o.stage);
  return (
    <main className="tracking" lang={lang} aria-labelledby="track-title">
      <header className="track-head">
        <div>
          <h1 id="track-title">{t('track.title', { number: o.orderNumber })}</h1>
          <p className="muted">{t('track.placed', { date: formatDateTime(o.placedAt, locale) })}</p>
        </div>
        {switcher}
      </header>
      <p className="track-status" data-testid="track-status">
        {t(`track.status.${o.stage}`)}
      </p>
      {(canReturn || hasReturns) && (
        <p className="track-actions">
          <Link
            to={`/track/${encodeURIComponent(token)}/return?lang=${lang}`}
            className={canReturn ? 'button primary' : undefined}
            data-testid="track-return"
          >
            {canReturn ? ts('ss.link') : ts('ss.linkReturns')}
          </Link>
        </p>
      )}
      {o.stage === 'cancelled' ? (
        <p className="error-box" role="note">
          {t('track.cancelled')}
        </p>
      ) : (
        <ol className="stages" aria-label={t('track.progress')}>
          {stages.map((s, i) => (
            <li
              key={s}
              className={i < at ? 'done' : i === at ? 'current' : undefined}
              aria-current={i === at ? 'step' : undefined}
            >
              <span className="dot" aria-hidden="true">
                {i < at ? '✓' : i + 1}
              </span>
              <span>{t(`track.stage.${s as Exclude<Stage, 'cancelled'>}`)}</span>
            </li>
          ))}
        </ol>
      )}
      <div className="track-grid">
        <section className="card" aria-labelledby="track-items">
          <h2 id="track-items">{t('track.items')}</h2>
          <ul className="track-lines">
            {o.lines.map((l, i) => (
              <li key={i}>
                <span>{l.name}</span>
                <span className="num">× {formatNumber(l.quantity, locale)}</span>
              </li>
            ))}
          </ul>
        </section>
        {o.pickup && (
          <section className="card" aria-labelledby="track-pickup">
            <h2 id="track-pickup">{t('track.pickup')}</h2>
            <p>
              <strong>{o.pickup.name}</strong>
              <br />
              {addressText(o.pickup.address)}
            </p>
          </section>
        )}
      </div>
      {o.shipments.map((s, i) => (
        <section key={i} className="card shipment" aria-labelledby={`ship-${i}`}>
          <h2 id={`ship-${i}`}>{t('track.shipment', { carrier: carrierName(s.carrier) })}</h2>
          <p>
            {s.trackingNumber && (
              <>
                {t('track.trackingNumber')}:{' '}
                {s.trackingUrl ? (
                  <a href={s.trackingUrl} target="_blank" rel="noreferrer noopener" className="mono">
                    {s.trackingNumber}
                  </a>
                ) : (
                  <span className="mono">{s.trackingNumber}</span>
                )}{' '}
                ·{' '}
              </>
            )}
            {statusText(s.status)}
          </p>
          {s.events.length > 0 ? (
            <ol className="track-events">
              {/* Newest first; the server lists oldest first, so reversing first puts ties last-recorded first. */}
              {[...s.events]
                .reverse()
                .sort((a, b) => b.time.localeCompare(a.time))
                .map((e, j) => (
                  <li key={j}>
                    <time dateTime={e.time}>{formatDateTime(e.time, locale)}</time>
                    <span>
                      {e.description ?? statusText(e.status)}
                      {e.location ? ` — ${e.location}` : ''}
                    </span>
                  </li>
                ))}
            </ol>
          ) : (
            <p className="muted">{t('track.noEvents')}</p>
          )}
        </section>
      ))}
      <footer className="muted track-foot">Ordo</footer>
    </main>
  );
}
