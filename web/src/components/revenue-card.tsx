import { useQuery } from '@tanstack/react-query';
import { get, query } from '../api';
import { moneyHidden, type RevenueRow } from '../money-api';
import { formatNumber } from '../format';
import { ErrorBox, Loading } from './status';
import { useMoneyWords } from './money-words';
import { useChannelName } from './channel-names';
import { userZone, zonedInstant, zonedParts } from '../time-zone';

/**
 * This calendar month's money by channel: paid, refunded, outstanding and overdue (GET
 * /reports/revenue), of one channel and one location when the dashboard is filtered.
 */
export function RevenueCard({ channel, location }: { channel?: string | undefined; location?: string | undefined }) {
  const { t, money, locale } = useMoneyWords();
  const channelName = useChannelName();
  // this month in the user's zone (their own when set, else the browser's)
  const timeZone = userZone();
  const today = zonedParts(new Date(), timeZone);
  const from = zonedInstant(today.year, today.month, 1, 0, timeZone);
  const to = zonedInstant(today.year, today.month + 1, 1, 0, timeZone);
  const q = useQuery({
    queryKey: ['revenue', from.toISOString(), timeZone, channel, location],
    queryFn: () =>
      get<{ rows: RevenueRow[] }>(
        `/reports/revenue${query({ from: from.toISOString(), to: to.toISOString(), groupBy: 'month', timeZone, channel, location })}`,
      ),
    retry: false,
    refetchInterval: 5 * 60_000,
  });
  if (moneyHidden(q.error)) return null;
  const month = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone }).format(from);
  return (
    <section className="card revenue-card" aria-labelledby="revenue-title" data-testid="revenue-card">
      <h2 id="revenue-title">{t('revenue.title', { month })}</h2>
      {q.error ? (
        <ErrorBox error={q.error} onRetry={() => q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : q.data.rows.length === 0 ? (
        <p className="muted">{t('revenue.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="compact">
            <thead>
              <tr>
                <th scope="col">{t('revenue.channel')}</th>
                <th scope="col" className="num">
                  {t('revenue.orders')}
                </th>
                <th scope="col" className="num">
                  {t('money.paid')}
                </th>
                <th scope="col" className="num">
                  {t('money.refunded')}
                </th>
                <th scope="col" className="num">
                  {t('money.outstanding')}
                </th>
                <th scope="col" className="num">
                  {t('revenue.overdue')}
                </th>
              </tr>
            </thead>
            <tbody>
              {q.data.rows.map((r) => (
                <tr key={`${r.period}-${r.channel}-${r.currency}`}>
                  <td>{channelName(r.channel)}</td>
                  <td className="num">{formatNumber(r.orders, locale)}</td>
                  <td className="num">{money(r.paid, r.currency)}</td>
                  <td className="num">{money(r.refunded, r.currency)}</td>
                  <td className="num">{money(r.outstanding, r.currency)}</td>
                  <td className={`num${/[1-9]/.test(r.overdue) ? ' negative' : ''}`}>{money(r.overdue, r.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
