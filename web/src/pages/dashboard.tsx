import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, query, type OrdersSummary, type Schemas } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { formatDay, formatDuration, formatMoney, formatNumber, localDayEnd, localDayStart } from '../format';
import { Chart } from '../components/chart';
import { ErrorBox, Loading } from '../components/status';
import { Link, navigate } from '../router';
import { RevenueCard } from '../components/revenue-card';
import { ReturnsCard } from '../components/returns-card';
import { useStateWords } from '../components/state-words';
import { opsMessages } from '../i18n/ops-messages';
import { useChannelName } from '../components/channel-names';
import { ChannelLocationPicker, useChannelLocationFilter } from '../components/channel-location-picker';
import { userZone } from '../time-zone';

type Operations = Schemas['OperationsReport'];
type Kpis = Schemas['KpiReport'];

/** A KPI's drill-down (a GET /api/v1/orders query) as the console's orders list with the same filters. */
export const ordersLink = (drillDown: string) => `/orders${drillDown.slice(drillDown.indexOf('?'))}`;

const PERIODS = [7, 30, 90] as const;
const PALETTE = ['#2456a6', '#e07b39', '#3a9d5d', '#9b59b6', '#c0392b', '#16a2b8', '#7f8c8d', '#d4a017'];

export default function DashboardPage() {
  const { t, locale } = useI18n();
  const ops = useMessages(opsMessages);
  const words = useStateWords();
  const channelName = useChannelName();
  const [days, setDays] = useState<number>(30);
  // One channel and one location, or all: in the address, so a filtered dashboard can be shared.
  const { channel, location, filter, setFilter } = useChannelLocationFilter();
  // The user's days: the window and the per-day chart are cut in the browser's zone.
  const timeZone = userZone();
  const summary = useQuery({
    queryKey: ['summary', days, timeZone, channel, location],
    queryFn: () => get<OrdersSummary>(`/reports/orders-summary${query({ days, tz: timeZone, ...filter })}`),
    placeholderData: (previous) => previous,
  });
  const s = summary.data;
  // The KPIs over exactly the summary's window, so every figure and its drill-down agree with the charts.
  const kpis = useQuery({
    queryKey: ['kpis', s?.from, s?.to, channel, location],
    queryFn: () =>
      get<Kpis>(`/reports/kpis${query({ from: s!.from, to: s!.to, slaHours: 48, stuckHours: 24, ...filter })}`),
    enabled: Boolean(s),
  });
  const kpiData = kpis.data;
  const stateName = (state: string) => words.state(state, s?.stateLabels[state]);
  // The orders list behind a figure: the summary's window and the dashboard's filter, then the figure's own.
  const ordersQuery = (own: Record<string, string> = {}) =>
    new URLSearchParams({
      ...(s && { placedFrom: s.from, placedTo: s.to }),
      ...(channel && { channel }),
      ...(location && { location }),
      ...own,
    }).toString();

  const charts = useMemo(() => {
    if (!s) return null;
    const num = (n: number) => formatNumber(n, locale);
    const channels = s.byChannel.map((c) => c.channel);
    const channelNames = channels.map(channelName);
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
        yAxis: { type: 'category', data: channelNames, inverse: true },
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
            data: s.byState.map((x) => ({ name: stateName(x.state), value: x.count })),
          },
        ],
      },
      perDay: {
        ...base,
        legend: { type: 'scroll', bottom: 0 },
        grid: { left: 8, right: 16, top: 16, bottom: 36, containLabel: true },
        xAxis: { type: 'category', data: s.perDay.map((d) => formatDay(d.day, locale)) },
        yAxis: { type: 'value', minInterval: 1, axisLabel: { formatter: (v: number) => num(v) } },
        series: channels.map((c, index) => ({
          name: channelNames[index],
          type: 'bar',
          stack: 'orders',
          data: s.perDay.map((d) => d.byChannel[c] ?? 0),
        })),
      },
    };
  }, [s, locale, words, channelName]);

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
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label={t('dashboard.filter')}>
        <ChannelLocationPicker channel={channel} location={location} onChange={setFilter} />
      </form>
      {summary.error ? (
        <ErrorBox error={summary.error} onRetry={() => summary.refetch()} />
      ) : !s || !charts ? (
        <Loading />
      ) : (
        <>
          <div className="kpis four">
            <div className="card kpi">
              <h2>{t('dashboard.orders')}</h2>
              <p className="kpi-value" data-testid="kpi-orders">
                <Link to={`/orders?${ordersQuery()}`} aria-label={ops('ops.show', { figure: t('dashboard.orders') })}>
                  {formatNumber(s.total, locale)}
                </Link>
              </p>
            </div>
            <div className="card kpi">
              <h2>{t('dashboard.revenue')}</h2>
              {s.revenue.length === 0 ? (
                <p className="kpi-value">—</p>
              ) : (
                s.revenue.map((r) => (
                  <p key={r.currency} className="kpi-value small">
                    <Link to={`/orders?${ordersQuery()}`}>{formatMoney(r.grandTotal, r.currency, locale)}</Link>
                  </p>
                ))
              )}
            </div>
            <CycleCard title={ops('ops.cycleAverage')} testId="kpi-cycle-average" kpis={kpiData}>
              {(cycle) => formatDuration(cycle.averageSeconds!, locale)}
            </CycleCard>
            <CycleCard title={ops('ops.cycleMedian')} testId="kpi-cycle" kpis={kpiData}>
              {(cycle) => `${formatDuration(cycle.p50Seconds!, locale)} / ${formatDuration(cycle.p90Seconds!, locale)}`}
            </CycleCard>
          </div>
          {kpis.error ? <ErrorBox error={kpis.error} onRetry={() => kpis.refetch()} /> : <KpiFigures kpis={kpiData} />}
          <OperationsPanel />
          <RevenueCard {...filter} />
          <ReturnsCard days={days} {...filter} />
          {s.total === 0 ? (
            <p className="card empty">{t('dashboard.empty')}</p>
          ) : (
            <div className="charts">
              <section className="card" aria-labelledby="c1">
                <h2 id="c1">{t('dashboard.perChannel')}</h2>
                <Chart
                  option={charts.perChannel}
                  label={s.byChannel.map((c) => `${channelName(c.channel)}: ${c.count}`).join(', ')}
                  onPick={({ dataIndex }) => {
                    const channel = s.byChannel[dataIndex]?.channel;
                    if (channel) navigate(`/orders?${ordersQuery({ channel })}`);
                  }}
                />
              </section>
              <section className="card" aria-labelledby="c2">
                <h2 id="c2">{t('dashboard.perState')}</h2>
                <Chart
                  option={charts.perState}
                  label={s.byState.map((x) => `${stateName(x.state)}: ${x.count}`).join(', ')}
                  onPick={({ dataIndex }) => {
                    const state = s.byState[dataIndex]?.state;
                    if (state) navigate(`/orders?${ordersQuery({ state })}`);
                  }}
                />
              </section>
              <section className="card wide" aria-labelledby="c3">
                <h2 id="c3">{t('dashboard.perDay')}</h2>
                <Chart
                  option={charts.perDay}
                  height={280}
                  onPick={({ dataIndex, seriesIndex }) => {
                    const day = s.perDay[dataIndex]?.day;
                    const channel = s.byChannel[seriesIndex]?.channel;
                    if (!day || !channel) return;
                    // the instants the user's day starts and ends at (23 or 25 hours when clocks change)
                    navigate(
                      `/orders?${ordersQuery({ channel, placedFrom: localDayStart(day), placedTo: localDayEnd(day) })}`,
                    );
                  }}
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
function OperationsPanel() {
  const { t, tMaybe, locale } = useI18n();
  const ops = useMessages(opsMessages);
  const words = useStateWords();
  // the dashboard's channel and location: the figures count their orders, the links keep the filter
  const { channel, location, filter, filterQuery } = useChannelLocationFilter();
  const report = useQuery({
    // the two parts shown: the report's cycle time reads every delivered order of 30 days (docs/scale.md)
    queryKey: ['operations', channel, location],
    queryFn: () => get<Operations>(`/reports/operations${query({ parts: 'tasks,exceptionsByKind', ...filter })}`),
    refetchInterval: 60_000,
  });
  if (report.error) return <ErrorBox error={report.error} onRetry={() => report.refetch()} />;
  if (!report.data) return <Loading />;
  const tasks = report.data.tasks ?? { open: 0, overdue: 0 };
  const byKind = report.data.exceptionsByKind ?? [];
  const kindName = (kind: string) => tMaybe(`exception.${kind}`, '') || words.state(kind);
  const exceptions = {
    color: PALETTE.slice(4),
    textStyle: { fontFamily: 'system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif', fontSize: 12 },
    tooltip: { trigger: 'axis' as const },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: {
      type: 'category',
      inverse: true,
      data: byKind.map((e) => kindName(e.kind)),
    },
    series: [
      {
        type: 'bar',
        data: byKind.map((e) => e.count),
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
        <div className={`card kpi${tasks.overdue ? ' alert' : ''}`}>
          <h3>{t('dashboard.overdueTasks')}</h3>
          <p className="kpi-value" data-testid="kpi-overdue">
            <Link to={`/inbox${filterQuery({ overdue: 'true' })}`}>{formatNumber(tasks.overdue, locale)}</Link>
          </p>
          <p className="muted">
            <Link to={`/inbox${filterQuery()}`}>{t('dashboard.openTasks', { count: tasks.open })}</Link>
          </p>
        </div>
        <div className="card kpi">
          <h3>{t('dashboard.exceptionsByKind')}</h3>
          {byKind.length === 0 ? (
            <p className="muted">{t('dashboard.noExceptions')}</p>
          ) : (
            <>
              <Chart
                option={exceptions}
                height={Math.max(90, 34 * byKind.length + 20)}
                label={byKind.map((e) => `${kindName(e.kind)}: ${e.count}`).join(', ')}
                onPick={() => navigate(`/exceptions${filterQuery()}`)}
              />
              <p className="muted">
                <Link to={`/exceptions${filterQuery()}`}>{ops('ops.openExceptions')}</Link>
              </p>
            </>
          )}
        </div>
      </div>
    </section>
  );
}

type Cycle = Kpis['cycleTime'];

/** A cycle-time figure over the delivered orders of the period, linked to them; plain words while there are none. */
function CycleCard({
  title,
  testId,
  kpis,
  children,
}: {
  title: string;
  testId: string;
  kpis: Kpis | undefined;
  children: (cycle: Cycle) => string;
}) {
  const ops = useMessages(opsMessages);
  const cycle = kpis?.cycleTime;
  return (
    <div className="card kpi">
      <h2>{title}</h2>
      {!cycle ? (
        <p className="muted">…</p>
      ) : cycle.orders === 0 || cycle.p50Seconds === null ? (
        <p className="muted" data-testid={`${testId}-empty`}>
          {ops('ops.cycleEmpty')}
        </p>
      ) : (
        <>
          <p className="kpi-value small" data-testid={testId}>
            <Link to={ordersLink(cycle.drillDown)} aria-label={ops('ops.show', { figure: title })}>
              {children(cycle)}
            </Link>
          </p>
          <p className="muted">{ops('ops.cycleOrders', { count: cycle.orders })}</p>
        </>
      )}
    </div>
  );
}

/** Late shipments, oversold, returned, cancelled and stuck orders of the period: each a link to exactly those orders. */
function KpiFigures({ kpis }: { kpis: Kpis | undefined }) {
  const { locale } = useI18n();
  const ops = useMessages(opsMessages);
  if (!kpis) return <Loading />;
  const percent = (rate: number | null) =>
    rate === null ? null : formatNumber(rate, locale, { style: 'percent', maximumFractionDigits: 1 });
  const figures: { id: string; title: string; count: number; drillDown: string; hint: string; alert: boolean }[] = [
    {
      id: 'late',
      title: ops('ops.late'),
      count: kpis.late.count,
      drillDown: kpis.late.drillDown,
      hint:
        kpis.late.rate === null
          ? ops('ops.noRate')
          : ops('ops.lateHint', { rate: percent(kpis.late.rate)!, hours: kpis.slaHours }),
      alert: kpis.late.count > 0,
    },
    ...(['oversold', 'returned', 'cancelled'] as const).map((key) => ({
      id: key,
      title: ops(`ops.${key}`),
      count: kpis[key].count,
      drillDown: kpis[key].drillDown,
      hint: kpis[key].rate === null ? ops('ops.noRate') : ops('ops.ofOrders', { rate: percent(kpis[key].rate)! }),
      alert: key === 'oversold' && kpis[key].count > 0,
    })),
    {
      id: 'stuck',
      title: ops('ops.stuck'),
      count: kpis.stuck.count,
      drillDown: kpis.stuck.drillDown,
      hint: ops('ops.stuckHint', { hours: kpis.stuckHours }),
      alert: kpis.stuck.count > 0,
    },
  ];
  return (
    <section aria-labelledby="figures-title">
      <h2 id="figures-title" className="sr-only">
        {ops('ops.figures')}
      </h2>
      <div className="kpis five">
        {figures.map((figure) => (
          <div key={figure.id} className={`card kpi${figure.alert ? ' alert' : ''}`}>
            <h3>{figure.title}</h3>
            <p className="kpi-value" data-testid={`kpi-${figure.id}`}>
              <Link
                to={ordersLink(figure.drillDown)}
                aria-label={`${ops('ops.show', { figure: figure.title })}: ${figure.count}`}
              >
                {formatNumber(figure.count, locale)}
              </Link>
            </p>
            <p className="muted">{figure.hint}</p>
          </div>
        ))}
      </div>
    </section>
  );
}
