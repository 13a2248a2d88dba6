import { useQuery } from '@tanstack/react-query';
import { get, query, type ResponseOf } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { formatDuration, formatNumber } from '../format';
import { reasonLabel, returnsHidden, type ReturnReason } from '../returns-api';
import { ErrorBox, Loading } from './status';
import { returnsCardMessages } from './returns-card-messages';
import { userZone, zonedDay } from '../time-zone';

type Figures = ResponseOf<'/api/v1/returns/figures'>;
const TOP = 5;

/**
 * Returns over the dashboard's period (GET /returns/figures, calendar days in the user's zone as
 * the orders summary's): the return rate overall (units returned / units shipped, summed over the
 * channels) and for the most returned SKUs, the reasons in the user's language (GET /return-reasons), the time from request to refund and the
 * share of graded units that went back on sale; of one channel's and one location's orders when the
 * dashboard is filtered. Hidden for roles without returns:read.
 */
export function ReturnsCard({
  days,
  channel,
  location,
}: {
  days: number;
  channel?: string | undefined;
  location?: string | undefined;
}) {
  const { lang, locale } = useI18n();
  const t = useMessages(returnsCardMessages);
  const tz = userZone();
  const to = zonedDay();
  const from = zonedDay(days - 1);
  const figures = useQuery({
    queryKey: ['return-figures', from, to, tz, channel, location],
    queryFn: () => get<Figures>(`/returns/figures${query({ from, to, tz, channel, location })}`),
    retry: false,
    refetchInterval: 5 * 60_000,
  });
  const reasons = useQuery({
    queryKey: ['return-reasons'],
    queryFn: () => get<{ items: ReturnReason[] }>('/return-reasons'),
    retry: false,
    staleTime: 5 * 60_000,
  });
  if (returnsHidden(figures.error)) return null;
  const f = figures.data;
  const pct = (r: number | null) =>
    r === null ? '—' : formatNumber(r, locale, { style: 'percent', maximumFractionDigits: 1 });
  const hours = (h: number | null) => (h === null ? '—' : formatDuration(h * 3600, locale));
  const shipped = f?.rate.byChannel.reduce((n, r) => n + r.shipped, 0) ?? 0;
  const returned = f?.rate.byChannel.reduce((n, r) => n + r.returned, 0) ?? 0;
  const graded = f ? f.restock.resell + f.restock.refurbish + f.restock.writeOff : 0;
  const topSkus = f?.rate.bySku.filter((r) => r.returned > 0).slice(0, TOP) ?? [];
  const byReason = [...(f?.byReason ?? [])].sort((a, b) => b.units - a.units).slice(0, TOP);
  return (
    <section className="card returns-card" aria-labelledby="returns-card-title" data-testid="returns-card">
      <h2 id="returns-card-title">{t('rf.title')}</h2>
      {figures.error ? (
        <ErrorBox error={figures.error} onRetry={() => figures.refetch()} />
      ) : !f ? (
        <Loading />
      ) : (
        <>
          <div className="rf-kpis">
            <div>
              <h3>{t('rf.rate')}</h3>
              <p className="kpi-value small" data-testid="rf-rate">
                {shipped > 0 ? pct(returned / shipped) : '—'}
              </p>
              <p className="muted">
                {shipped > 0
                  ? t('rf.units', { returned: formatNumber(returned, locale), shipped: formatNumber(shipped, locale) })
                  : t('rf.none')}
              </p>
            </div>
            <div>
              <h3>{t('rf.refund')}</h3>
              <p className="kpi-value small" data-testid="rf-refund">
                {f.requestToRefund.refunds > 0
                  ? `${hours(f.requestToRefund.p50Hours)} / ${hours(f.requestToRefund.p90Hours)}`
                  : '—'}
              </p>
              <p className="muted">
                {f.requestToRefund.refunds > 0
                  ? t('rf.refunds', { count: f.requestToRefund.refunds })
                  : t('rf.noRefunds')}
              </p>
            </div>
            <div>
              <h3>{t('rf.restock')}</h3>
              <p className="kpi-value small" data-testid="rf-restock">
                {pct(f.restock.share)}
              </p>
              <p className="muted">
                {graded > 0
                  ? t('rf.restockParts', {
                      resell: formatNumber(f.restock.resell, locale),
                      refurbish: formatNumber(f.restock.refurbish, locale),
                      writeOff: formatNumber(f.restock.writeOff, locale),
                    })
                  : t('rf.noGrades')}
              </p>
            </div>
          </div>
          {topSkus.length === 0 && byReason.length === 0 ? (
            <p className="muted">{t('rf.empty')}</p>
          ) : (
            <div className="rf-tables">
              <div className="table-wrap">
                <table className="compact" aria-labelledby="rf-top">
                  <caption id="rf-top">{t('rf.topSkus')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('rf.sku')}</th>
                      <th scope="col" className="num">
                        {t('rf.shipped')}
                      </th>
                      <th scope="col" className="num">
                        {t('rf.returned')}
                      </th>
                      <th scope="col" className="num">
                        {t('rf.rateCol')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {topSkus.map((r) => (
                      <tr key={r.key}>
                        <td className="mono">{r.key}</td>
                        <td className="num">{formatNumber(r.shipped, locale)}</td>
                        <td className="num">{formatNumber(r.returned, locale)}</td>
                        <td className="num">{pct(r.rate)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="table-wrap">
                <table className="compact" aria-labelledby="rf-reasons" data-testid="rf-reasons">
                  <caption id="rf-reasons">{t('rf.reasons')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('rf.reason')}</th>
                      <th scope="col" className="num">
                        {t('rf.returns')}
                      </th>
                      <th scope="col" className="num">
                        {t('rf.unitsCol')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {byReason.map((r) => (
                      <tr key={r.reason}>
                        <td>{reasonLabel(reasons.data?.items, r.reason, lang)}</td>
                        <td className="num">{formatNumber(r.returns, locale)}</td>
                        <td className="num">{formatNumber(r.units, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
