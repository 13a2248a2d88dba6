import { useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, query, type ResponseOf } from '../api';
import { useI18n, useMessages, type ChunkTranslate } from '../i18n/index';
import { kpisMessages, type KpisKey } from '../i18n/kpis-messages';
import { useStateWords } from '../components/state-words';
import { KpiDaily } from '../components/kpi-daily';
import { useChannelName } from '../components/channel-names';
import { useLocationName } from '../components/location-names';
import { ErrorBox, Loading } from '../components/status';
import { formatDuration, formatNumber, localDayEnd, localDayStart } from '../format';
import { Link, useLocation } from '../router';
import { ChannelLocationPicker, useChannelLocationFilter } from '../components/channel-location-picker';
import { DRILL_DOWN } from '../saved-views';
import { userZone, zonedDay } from '../time-zone';

type Kpis = ResponseOf<'/api/v1/reports/kpis'>;
type Stage = Kpis['stages'][number];

const PRESETS = [7, 30, 90] as const;

/** A calendar day in the user's zone as an <input type=date> value, `days` before today. */
const dayBefore = (days: number): string => zonedDay(days);

/**
 * The orders list's address for a figure: the figure's own drill-down query (the API's, so the
 * list uses the very conditions the figure counted) with the period as the list's local days.
 */
export function ordersLink(drillDown: string, period: { from: string; to: string }): string {
  const api = new URL(drillDown, 'http://console').searchParams;
  const link = new URLSearchParams({ from: period.from, to: period.to });
  for (const key of ['channel', ...DRILL_DOWN]) {
    const value = api.get(key);
    if (value) link.set(key, value);
  }
  return `/orders?${link.toString()}`;
}

/** /kpis (issue 18 item 7, C15): the KPI report in words, every figure a link to its orders. */
export default function KpisPage() {
  const t = useMessages(kpisMessages);
  const { locale } = useI18n();
  const { search } = useLocation();
  const channelName = useChannelName();
  const words = useStateWords();
  const [stageView, setStageView] = useState<'all' | 'channel' | 'location'>('all');

  const period = { from: search.get('from') || dayBefore(29), to: search.get('to') || dayBefore(0) };
  // the period, SLA and stuck hours share the address with the channel and location filter
  const { channel, location, setFilter: setParams } = useChannelLocationFilter();
  const slaHours = Number(search.get('slaHours')) || 48;
  const stuckHours = Number(search.get('stuckHours')) || 24;

  // the user's zone: the per-day figures are the user's calendar days, as the period's bounds are
  const timeZone = userZone();
  const report = useQuery({
    queryKey: ['kpis', period.from, period.to, channel, location, slaHours, stuckHours, timeZone],
    queryFn: () =>
      get<Kpis>(
        `/reports/kpis${query({
          from: localDayStart(period.from),
          to: localDayEnd(period.to),
          channel: channel || undefined,
          location: location || undefined,
          slaHours,
          stuckHours,
          tz: timeZone,
        })}`,
      ),
    placeholderData: (previous) => previous,
  });
  const locationName = useLocationName();

  const data = report.data;
  const link = (drillDown: string) => ordersLink(drillDown, period);
  const percent = (rate: number | null) =>
    rate === null ? t('kp.dash') : formatNumber(rate, locale, { style: 'percent', maximumFractionDigits: 1 });
  const duration = (seconds: number | null) => (seconds === null ? t('kp.dash') : formatDuration(seconds, locale));
  const stageName = (stage: string) => words.state(stage, data?.stageLabels[stage]);
  const activePreset = PRESETS.find((days) => period.from === dayBefore(days - 1) && period.to === dayBefore(0));

  return (
    <section className="page kpis-page">
      <div className="page-head">
        <h1>{t('kp.title')}</h1>
        <div className="segmented" role="group" aria-label={t('kp.period')}>
          {PRESETS.map((days) => (
            <button
              key={days}
              type="button"
              aria-pressed={activePreset === days}
              onClick={() => setParams({ from: dayBefore(days - 1), to: dayBefore(0) })}
            >
              {t('kp.days', { count: days })}
            </button>
          ))}
        </div>
      </div>
      <p className="muted">{t('kp.intro')}</p>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label={t('kp.period')}>
        <label>
          {t('kp.from')}
          <input
            type="date"
            name="from"
            value={period.from}
            max={period.to}
            onChange={(event) => event.target.value && setParams({ from: event.target.value })}
          />
        </label>
        <label>
          {t('kp.to')}
          <input
            type="date"
            name="to"
            value={period.to}
            min={period.from}
            onChange={(event) => event.target.value && setParams({ to: event.target.value })}
          />
        </label>
        <ChannelLocationPicker channel={channel} location={location} onChange={setParams} />
        <label>
          {t('kp.slaHours')}
          <input
            type="number"
            name="slaHours"
            min={1}
            max={8760}
            value={slaHours}
            onChange={(event) => setParams({ slaHours: event.target.value })}
          />
        </label>
        <label>
          {t('kp.stuckHours')}
          <input
            type="number"
            name="stuckHours"
            min={1}
            max={8760}
            value={stuckHours}
            onChange={(event) => setParams({ stuckHours: event.target.value })}
          />
        </label>
      </form>
      {report.error ? (
        <ErrorBox error={report.error} onRetry={() => report.refetch()} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <div className="kpis" data-testid="kpi-cards">
            <Figure
              id="orders"
              title={t('kp.orders')}
              to={link(data.orders.drillDown)}
              value={formatNumber(data.orders.count, locale)}
              t={t}
            />
            <Figure
              id="cycle"
              title={t('kp.cycle')}
              to={link(data.cycleTime.drillDown)}
              value={duration(data.cycleTime.p50Seconds)}
              t={t}
              note={
                <>
                  {t('kp.cycleValue', { p90: duration(data.cycleTime.p90Seconds) })}
                  <br />
                  {t('kp.cycleNote', { count: data.cycleTime.orders })}
                </>
              }
            />
            <Figure
              id="sla"
              title={t('kp.sla')}
              to={link(data.sla.drillDown)}
              value={percent(data.sla.adherence)}
              t={t}
              note={t('kp.slaNote', {
                onTime: formatNumber(data.sla.onTime, locale),
                decided: formatNumber(data.sla.decided, locale),
                hours: formatNumber(data.slaHours, locale),
              })}
            />
            <Figure
              id="late"
              title={t('kp.late')}
              to={link(data.late.drillDown)}
              value={formatNumber(data.late.count, locale)}
              alert={data.late.count > 0}
              t={t}
              note={t('kp.lateNote', { hours: formatNumber(data.slaHours, locale) })}
            />
            {(['cancelled', 'returned', 'oversold'] as const).map((kpi) => (
              <Figure
                key={kpi}
                id={kpi}
                title={t(`kp.${kpi}`)}
                to={link(data[kpi].drillDown)}
                value={formatNumber(data[kpi].count, locale)}
                t={t}
                note={
                  <>
                    {data[kpi].rate === null ? t('kp.noRate') : t('kp.rateOfOrders', { rate: percent(data[kpi].rate) })}
                    {kpi === 'oversold' && (
                      <>
                        <br />
                        {t('kp.oversoldNote')}
                      </>
                    )}
                  </>
                }
              />
            ))}
            <Figure
              id="stuck"
              title={t('kp.stuck')}
              to={link(data.stuck.drillDown)}
              value={formatNumber(data.stuck.count, locale)}
              alert={data.stuck.count > 0}
              t={t}
              note={t('kp.stuckNote', { hours: formatNumber(data.stuckHours, locale) })}
            />
          </div>
          <p className="muted small">{t('kp.finishedWhen', { states: data.endStates.map(stageName).join(', ') })}</p>
          <div className="kpi-tables">
            <CycleTable
              title={t('kp.byChannel')}
              column={t('kp.col.channel')}
              testId="cycle-by-channel"
              rows={data.cycleTime.byChannel.map((row) => ({
                ...row,
                key: row.channel,
                name: channelName(row.channel),
              }))}
              link={link}
              duration={duration}
              t={t}
            />
            <CycleTable
              title={t('kp.byLocation')}
              column={t('kp.col.location')}
              testId="cycle-by-location"
              rows={data.cycleTime.byLocation.map((row) => ({
                ...row,
                key: row.location,
                name: row.name || locationName(row.location),
              }))}
              link={link}
              duration={duration}
              t={t}
            />
          </div>
          <KpiDaily days={data.daily} timeZone={data.timeZone} />
          <section className="card kpi-stages">
            <div className="card-head">
              <h2>{t('kp.stages')}</h2>
              <div className="segmented" role="group" aria-label={t('kp.stages')}>
                {(
                  [
                    ['all', 'kp.stagesAll'],
                    ['channel', 'kp.stagesByChannel'],
                    ['location', 'kp.stagesByLocation'],
                  ] as const
                ).map(([view, label]) => (
                  <button key={view} type="button" aria-pressed={stageView === view} onClick={() => setStageView(view)}>
                    {t(label)}
                  </button>
                ))}
              </div>
            </div>
            <p className="muted">{t('kp.stagesNote')}</p>
            <StageTable
              stages={data.stages.filter((stage) =>
                stageView === 'channel'
                  ? stage.channel !== null
                  : stageView === 'location'
                    ? stage.location !== null
                    : stage.channel === null && stage.location === null,
              )}
              view={stageView}
              stageName={stageName}
              channelName={channelName}
              locationName={(stage) => stage.locationName ?? locationName(stage.location ?? '')}
              link={link}
              duration={duration}
              t={t}
            />
          </section>
        </>
      )}
    </section>
  );
}

function Figure({
  id,
  title,
  to,
  value,
  note,
  alert,
  t,
}: {
  id: string;
  title: string;
  to: string;
  value: string;
  note?: ReactNode;
  alert?: boolean;
  t: ChunkTranslate<KpisKey>;
}) {
  return (
    <div className={`card kpi${alert ? ' alert' : ''}`}>
      <h2>{title}</h2>
      <p className="kpi-value">
        <Link to={to} data-testid={`kpi-${id}`} title={t('kp.open', { figure: title })}>
          {value}
        </Link>
      </p>
      {note && <p className="muted">{note}</p>}
    </div>
  );
}

interface CycleRow {
  key: string;
  name: string;
  orders: number;
  p50Seconds: number | null;
  p90Seconds: number | null;
  drillDown: string;
}

function CycleTable({
  title,
  column,
  testId,
  rows,
  link,
  duration,
  t,
}: {
  title: string;
  column: string;
  testId: string;
  rows: CycleRow[];
  link: (drillDown: string) => string;
  duration: (seconds: number | null) => string;
  t: ChunkTranslate<KpisKey>;
}) {
  const { locale } = useI18n();
  return (
    <section className="card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">{t('kp.none')}</p>
      ) : (
        <table className="compact" data-testid={testId}>
          <thead>
            <tr>
              <th scope="col">{column}</th>
              <th scope="col" className="num">
                {t('kp.col.orders')}
              </th>
              <th scope="col" className="num">
                {t('kp.col.p50')}
              </th>
              <th scope="col" className="num">
                {t('kp.col.p90')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <th scope="row">{row.name}</th>
                <td className="num">
                  <Link to={link(row.drillDown)}>{formatNumber(row.orders, locale)}</Link>
                </td>
                <td className="num">
                  <Link to={link(row.drillDown)}>{duration(row.p50Seconds)}</Link>
                </td>
                <td className="num">
                  <Link to={link(row.drillDown)}>{duration(row.p90Seconds)}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function StageTable({
  stages,
  view,
  stageName,
  channelName,
  locationName,
  link,
  duration,
  t,
}: {
  stages: Stage[];
  view: 'all' | 'channel' | 'location';
  stageName: (stage: string) => string;
  channelName: (code: string) => string;
  locationName: (stage: Stage) => string;
  link: (drillDown: string) => string;
  duration: (seconds: number | null) => string;
  t: ChunkTranslate<KpisKey>;
}) {
  const { locale } = useI18n();
  if (stages.length === 0) return <p className="muted">{t('kp.noStages')}</p>;
  const where = (stage: Stage) =>
    view === 'channel' ? (stage.channelName ?? channelName(stage.channel ?? '')) : locationName(stage);
  const rows = [...stages].sort(
    (left, right) =>
      stageName(left.stage).localeCompare(stageName(right.stage), locale) ||
      where(left).localeCompare(where(right), locale),
  );
  return (
    <table className="compact" data-testid="stages">
      <thead>
        <tr>
          <th scope="col">{t('kp.col.stage')}</th>
          {view !== 'all' && <th scope="col">{view === 'channel' ? t('kp.col.channel') : t('kp.col.location')}</th>}
          <th scope="col" className="num">
            {t('kp.col.orders')}
          </th>
          <th scope="col" className="num">
            {t('kp.col.stays')}
          </th>
          <th scope="col" className="num">
            {t('kp.col.p50')}
          </th>
          <th scope="col" className="num">
            {t('kp.col.p90')}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((stage) => {
          const to = link(stage.drillDown);
          return (
            <tr key={`${stage.stage}|${stage.channel ?? ''}|${stage.location ?? ''}`} data-stage={stage.stage}>
              <th scope="row">{stageName(stage.stage)}</th>
              {view !== 'all' && <td>{where(stage)}</td>}
              <td className="num">
                <Link to={to}>{formatNumber(stage.orders, locale)}</Link>
              </td>
              <td className="num">
                <Link to={to}>{formatNumber(stage.stays, locale)}</Link>
              </td>
              <td className="num">
                <Link to={to}>{duration(stage.p50Seconds)}</Link>
              </td>
              <td className="num">
                <Link to={to}>{duration(stage.p90Seconds)}</Link>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
