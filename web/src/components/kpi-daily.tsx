import { useMemo, useState } from 'react';
import type { ResponseOf } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { kpisMessages } from '../i18n/kpis-messages';
import { formatDay, formatNumber } from '../format';
import { Link, navigate } from '../router';
import { DRILL_DOWN } from '../saved-views';
import { Chart } from './chart';

type Day = ResponseOf<'/api/v1/reports/kpis'>['daily'][number];
const METRICS = ['orders', 'medianCycle', 'slaAdherence', 'late', 'cancelled'] as const;
type Metric = (typeof METRICS)[number];

/** The figure of a day as the chart draws it (hours, percent), null where there is none. */
function valueOf(day: Day, metric: Metric): number | null {
  switch (metric) {
    case 'orders':
      return day.orders;
    case 'medianCycle':
      return day.medianCycleSeconds === null ? null : Math.round((day.medianCycleSeconds / 3600) * 10) / 10;
    case 'slaAdherence':
      return day.slaAdherence === null ? null : Math.round(day.slaAdherence * 1000) / 10;
    case 'late':
      return day.late;
    case 'cancelled':
      return day.cancelled;
  }
}

/** The orders list's address for the API's drill-down of one day (its exact UTC window). */
export function dayLink(drillDown: string): string {
  const api = new URL(drillDown, 'http://console').searchParams;
  const link = new URLSearchParams();
  for (const key of ['channel', ...DRILL_DOWN]) {
    const value = api.get(key);
    if (value) link.set(key, value);
  }
  return `/orders?${link.toString()}`;
}

/** The orders list behind a day's figure (late and cancelled have their own; the rest, the day's orders). */
const drillOf = (day: Day, metric: Metric) =>
  metric === 'late' ? day.lateDrillDown : metric === 'cancelled' ? day.cancelledDrillDown : day.drillDown;

/** "3 December 2026": a calendar day in full, for a day's accessible name. */
const longDay = (day: string, locale: string) =>
  new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );

/**
 * The KPIs over time (issue 18): one chosen figure per day of the period — orders, median cycle
 * time, SLA adherence, late, cancelled — as bars (counts) or a line (time, percent), the days being
 * the user's calendar days (`timeZone`). A click anywhere in a day's column opens the orders behind
 * that day's figure; over the chart lies a link per day ("3 December 2026: 5 orders") that the
 * keyboard reaches and a screen reader reads, in the same place as the day's column.
 */
export function KpiDaily({ days, timeZone }: { days: Day[]; timeZone: string }) {
  const t = useMessages(kpisMessages);
  const { locale } = useI18n();
  const [metric, setMetric] = useState<Metric>('orders');
  const name = t(`kp.metric.${metric}`);
  const option = useMemo(() => {
    const counted = metric === 'orders' || metric === 'late' || metric === 'cancelled';
    return {
      // drawn at once: a figure read at a glance (and a screenshot) never shows half a line
      animation: false,
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      xAxis: { type: 'category', data: days.map((day) => formatDay(day.day, locale)) },
      yAxis: { type: 'value', minInterval: counted ? 1 : 0, ...(metric === 'slaAdherence' ? { max: 100 } : {}) },
      series: [
        {
          name,
          type: counted ? 'bar' : 'line',
          connectNulls: false,
          showSymbol: true,
          itemStyle: { color: metric === 'late' || metric === 'cancelled' ? '#b42318' : '#2451a6' },
          data: days.map((day) => valueOf(day, metric)),
        },
      ],
    };
  }, [days, metric, locale, name]);
  /** A day worth opening: it has a figure (for counts, above zero). */
  const shown = (day: Day) => {
    const value = valueOf(day, metric);
    return value !== null && (metric === 'medianCycle' || metric === 'slaAdherence' || value > 0);
  };
  const label = days
    .filter((day) => valueOf(day, metric) !== null && (metric !== 'orders' || day.orders > 0))
    .map((day) => `${formatDay(day.day, locale)}: ${formatNumber(valueOf(day, metric) ?? 0, locale)}`)
    .join(', ');
  const dayName = (day: Day) => {
    const value = valueOf(day, metric) ?? 0;
    return t(`kp.day.${metric}`, { date: longDay(day.day, locale), count: value, value: formatNumber(value, locale) });
  };
  return (
    <section className="card kpi-daily" aria-labelledby="kpi-daily-title">
      <div className="page-head">
        <h2 id="kpi-daily-title">{t('kp.daily')}</h2>
        <label>
          {t('kp.metricPick')}{' '}
          <select name="metric" value={metric} onChange={(event) => setMetric(event.target.value as Metric)}>
            {METRICS.map((item) => (
              <option key={item} value={item}>
                {t(`kp.metric.${item}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted">{t('kp.dailyHint', { zone: timeZone })}</p>
      <div className="kpi-daily-plot">
        <Chart
          option={option}
          height={260}
          label={`${name}: ${label || t('kp.dash')}`}
          pickColumn
          onPick={({ dataIndex }) => {
            const day = days[dataIndex];
            if (day && shown(day)) navigate(dayLink(drillOf(day, metric)));
          }}
        />
        {/* one column per day, laid over the chart's plot area (its grid: 48px left, 16px right,
            16px top, 32px bottom): the keyboard's way to a day; the mouse passes through to the chart */}
        <ol className="kpi-daily-days" aria-label={t('kp.daily')} data-testid="kpi-daily-days">
          {days.map((day) =>
            shown(day) ? (
              <li key={day.day}>
                <Link to={dayLink(drillOf(day, metric))}>
                  <span className="sr-only">{dayName(day)}</span>
                </Link>
              </li>
            ) : (
              <li key={day.day} aria-hidden="true" />
            ),
          )}
        </ol>
      </div>
    </section>
  );
}
