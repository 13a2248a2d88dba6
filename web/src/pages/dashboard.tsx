import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, type OrdersSummary, type Schemas } from '../api';
import { useI18n } from '../i18n/index';
import { formatDay, formatDuration, formatMoney, formatNumber } from '../format';
import { Chart } from '../components/chart';
import { ErrorBox, Loading } from '../components/status';
import { Link } from '../router';
import { RevenueCard } from '../components/revenue-card';
import { ReturnsCard } from '../components/returns-card';

type Operations = Schemas['OperationsReport'];

const PERIODS = [7, 30, 90] as const;
const PALETTE = ['#2456a6', '#e07b39', '#3a9d5d', '#9b59b6', '#c0392b', '#16a2b8', '#7f8c8d', '#d4a017'];

export default function DashboardPage() {
  const { t, tMaybe, locale } = useI18n();
  const [days, setDays] = useState<number>(30);
  const summary = useQuery({
    queryKey: ['summary', days],
    queryFn: () => get<OrdersSummary>(`/reports/orders-summary?days=${days}`),
  });
  const s = summary.data;

  const charts = useMemo(() => {
    if (!s) return null;
    const num = (n: number) => formatNumber(n, locale);
    const channels = s.byChannel.map((c) => c.channel);
    const base = {
      color: PALETTE,
      textStyle: { fontFamily: 'system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif', fontSize: 12 },
      tooltip: { trigger: 'axis' as const, valueFormatter: (v: unknown) => num(Number(v)) },
    };
    return {
      perChannel: {
        ...base,
        grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => num(v) } },
        yAxis: { type: 'category', data: channels, inverse: true },
        series: [
          {
            type: 'bar',
            colorBy: 'data',
            data: s.byChannel.map((c) => c.count),
            barMaxWidth: 28,
            label: { show: true, position: 'right', formatter: (p: { value: number }) => num(p.value) },
          },
        ],
      },
      perState: {
        ...base,
        tooltip: { trigger: 'item', valueFormatter: (v: unknown) => num(Number(v)) },
        legend: { type: 'scroll', bottom: 0 },
        series: [
          {
            type: 'pie',
            radius: ['40%', '68%'],
            center: ['50%', '44%'],
            label: {
              show: true,
              formatter: (p: { value: number; percent: number }) =>
                `${num(p.value)} (${formatNumber(p.percent, locale, { maximumFractionDigits: 0 })} %)`,
            },
            data: s.byState.map((x) => ({ name: tMaybe(`state.${x.state}`, x.state), value: x.count })),
          },
        ],
      },
      perDay: {
        ...base,
        legend: { type: 'scroll', bottom: 0 },
        grid: { left: 8, right: 16, top: 16, bottom: 36, containLabel: true },
        xAxis: { type: 'category', data: s.perDay.map((d) => formatDay(d.day, locale)) },
        yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => num(v) } },
        series: channels.map((c) => ({
          name: c,
          type: 'bar',
          stack: 'orders',
          data: s.perDay.map((d) => d.byChannel[c] ?? 0),
        })),
      },
    };
  }, [s, locale, tMaybe]);

  return (
    <section className="page dashboard">
      <div className="page-head">
        <h1>{t('dashboard.title')}</h1>
        <div className="segmented" role="group" aria-label={t('dashboard.period')}>
          {PERIODS.map((d) => (
            <button key={d} type="button" aria-pressed={days === d} onClick={() => setDays(d)}>
              {t('dashboard.days', { count: d })}
            </button>
          ))}
        </div>
      </div>
      {summary.error ? (
        <ErrorBox error={summary.error} onRetry={() => summary.refetch()} />
      ) : !s || !charts ? (
        <Loading />
      ) : (
        <>
          <div className="kpis">
            <div className="card kpi">
              <h2>{t('dashboard.orders')}</h2>
              <p className="kpi-value" data-testid="kpi-orders">
                {formatNumber(s.total, locale)}
              </p>
            </div>
            <div className="card kpi">
              <h2>{t('dashboard.revenue')}</h2>
              {s.revenue.length === 0 ? (
                <p className="kpi-value">—</p>
              ) : (
                s.revenue.map((r) => (
                  <p key={r.currency} className="kpi-value small">
                    {formatMoney(r.grandTotal, r.currency, locale)}
                  </p>
                ))
              )}
            </div>
            <div className="card kpi">
              <h2>{t('dashboard.cycleTime')}</h2>
              {s.cycleTime.averageSeconds === null ? (
                <p className="muted">{t('dashboard.cycleNone')}</p>
              ) : (
                <>
                  <p className="kpi-value">{formatDuration(s.cycleTime.averageSeconds, locale)}</p>
                  <p className="muted">{t('dashboard.cycleOrders', { count: s.cycleTime.orders })}</p>
                </>
              )}
            </div>
          </div>
          <OperationsPanel days={days} />
          <RevenueCard />
          <ReturnsCard days={days} />
          {s.total === 0 ? (
            <p className="card empty">{t('dashboard.empty')}</p>
          ) : (
            <div className="charts">
              <section className="card" aria-labelledby="c1">
                <h2 id="c1">{t('dashboard.perChannel')}</h2>
                <Chart
                  option={charts.perChannel}
                  label={s.byChannel.map((c) => `${c.channel}: ${c.count}`).join(', ')}
                />
              </section>
              <section className="card" aria-labelledby="c2">
                <h2 id="c2">{t('dashboard.perState')}</h2>
                <Chart
                  option={charts.perState}
                  label={s.byState.map((x) => `${tMaybe(`state.${x.state}`, x.state)}: ${x.count}`).join(', ')}
                />
              </section>
              <section className="card wide" aria-labelledby="c3">
                <h2 id="c3">{t('dashboard.perDay')}</h2>
                <Chart
                  option={charts.perDay}
                  height={280}
                  label={s.perDay
                    .filter((d) => d.count)
                    .map((d) => `${d.day}: ${d.count}`)
                    .join(', ')}
                />
              </section>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** What needs attention now: SLA breaches (overdue tasks, orders running too long), exceptions by kind, cycle time spread. */
function OperationsPanel({ days }: { days: number }) {
  const { t, tMaybe, locale } = useI18n();
  const ops = useQuery({
    queryKey: ['operations', days],
    queryFn: () => get<Operations>(`/reports/operations?days=${days}&staleHours=48`),
    refetchInterval: 60_000,
  });
  if (ops.error) return <ErrorBox error={ops.error} onRetry={() => ops.refetch()} />;
  if (!ops.data) return <Loading />;
  const o = ops.data;
  const dur = (v: number | null) => (v === null ? '—' : formatDuration(v, locale));
  const oldest = o.staleOrders.oldest[0];
  const exceptions = {
    color: PALETTE.slice(4),
    textStyle: { fontFamily: 'system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif', fontSize: 12 },
    tooltip: { trigger: 'axis' as const },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: o.exceptionsByKind.map((e) => tMaybe(`exception.${e.kind}`, e.kind.replaceAll('_', ' '))),
    },
    series: [
      {
        type: 'bar',
        data: o.exceptionsByKind.map((e) => e.count),
        barMaxWidth: 24,
        label: { show: true, position: 'right' },
      },
    ],
  };
  return (
    <section aria-labelledby="sla-title" className="ops">
      <h2 id="sla-title" className="sr-only">
        {t('dashboard.sla')}
      </h2>
      <div className="kpis">
        <div className={`card kpi${o.tasks.overdue ? ' alert' : ''}`}>
          <h3>{t('dashboard.overdueTasks')}</h3>
          <p className="kpi-value" data-testid="kpi-overdue">
            <Link to="/inbox">{formatNumber(o.tasks.overdue, locale)}</Link>
          </p>
          <p className="muted">{t('dashboard.openTasks', { count: o.tasks.open })}</p>
        </div>
        <div className={`card kpi${o.staleOrders.count ? ' alert' : ''}`}>
          <h3>{t('dashboard.staleOrders', { hours: o.staleOrders.thresholdHours })}</h3>
          <p className="kpi-value" data-testid="kpi-stale">
            {formatNumber(o.staleOrders.count, locale)}
          </p>
          {oldest && (
            <p className="muted">
              <Link to={`/orders/${oldest.id}`}>{oldest.number}</Link> · {tMaybe(`state.${oldest.state}`, oldest.state)}
            </p>
          )}
        </div>
        <div className="card kpi">
          <h3>{t('dashboard.cycleP')}</h3>
          <p className="kpi-value small" data-testid="kpi-cycle">
            {dur(o.cycleTime.medianSeconds)} / {dur(o.cycleTime.p90Seconds)}
          </p>
          <p className="muted">{t('dashboard.cycleOrders', { count: o.cycleTime.orders })}</p>
        </div>
        <div className="card kpi">
          <h3>{t('dashboard.exceptionsByKind')}</h3>
          {o.exceptionsByKind.length === 0 ? (
            <p className="muted">{t('dashboard.noExceptions')}</p>
          ) : (
            <Chart
              option={exceptions}
              height={Math.max(90, 34 * o.exceptionsByKind.length + 20)}
              label={o.exceptionsByKind.map((e) => `${e.kind}: ${e.count}`).join(', ')}
            />
          )}
        </div>
      </div>
    </section>
  );
}
