import { useEffect, useMemo, useState } from 'react';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  canWriteOrders,
  get,
  query,
  request,
  requestBlob,
  type Me,
  type OrderSummary,
  type OrdersSummary,
  type Page,
  type Reference,
  type ResponseOf,
  type Schemas,
} from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { contextMessages } from '../i18n/context-messages';
import { refusal } from '../components/order-context';
import { navigate, useLocation } from '../router';
import { formatDateTime, localDayEnd, localDayStart } from '../format';
import { opsMessages, type OpsKey } from '../i18n/ops-messages';
import { useStateWords } from '../components/state-words';
import { ORDER_COLUMNS, OrdersTable, type OrderColumn } from '../components/orders-table';
import { ErrorBox } from '../components/status';
import { useLocationName } from '../components/location-names';
import { deleteView, DRILL_DOWN, loadViews, normalise, saveView, type SavedView } from '../saved-views';

const PAGE = 100;

const COLUMNS_KEY = 'ordo.orders.columns';
const ALL_COLUMNS = ORDER_COLUMNS.map((c) => c.id);

/** The columns this browser chose (localStorage), all of them at first. */
function loadColumns(): OrderColumn[] {
  try {
    const saved = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') as unknown;
    if (Array.isArray(saved)) {
      const known = ALL_COLUMNS.filter((c) => saved.includes(c));
      if (known.length) return known;
    }
  } catch {
    // a broken entry: all columns
  }
  return [...ALL_COLUMNS];
}

type ListPage = Page<OrderSummary> & { total?: number | null };

export function OrdersPage({ me }: { me: Me }) {
  const { t, tMaybe, locale } = useI18n();
  const cx = useMessages(contextMessages);
  const ops = useMessages(opsMessages);
  const bulk = canBulk(me);
  const words = useStateWords();
  const [columns, setColumns] = useState<OrderColumn[]>(loadColumns);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  // Kept here: the bar goes when the selection clears, each row's outcome stays visible.
  const [bulkResults, setBulkResults] = useState<Outcome[]>([]);
  const [combined, setCombined] = useState<Combined | undefined>();
  // a new print replaces the old file: its blob: address is let go
  useEffect(() => () => combined && URL.revokeObjectURL(combined.href), [combined]);
  const { search } = useLocation();
  const filters = normalise(search);
  const f = new URLSearchParams(filters);
  const [text, setText] = useState(f.get('q') ?? '');

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(filters);
    if (value) next.set(key, value);
    else next.delete(key);
    const s = normalise(next);
    navigate(`/orders${s ? `?${s}` : ''}`, { replace: true });
  };

  // Typing searches after a short pause, not on every key.
  useEffect(() => {
    const id = setTimeout(() => {
      if (text.trim() !== (f.get('q') ?? '')) setParam('q', text.trim());
    }, 300);
    return () => clearTimeout(id);
  }, [text]);
  useEffect(() => {
    setText(new URLSearchParams(filters).get('q') ?? '');
  }, [filters]);

  const apiFilters = useMemo(() => {
    const p = new URLSearchParams(filters);
    return {
      q: p.get('q') ?? undefined,
      state: p.get('state') ?? undefined,
      channel: p.get('channel') ?? undefined,
      placedFrom: p.get('from') ? localDayStart(p.get('from')!) : undefined,
      placedTo: p.get('to') ? localDayEnd(p.get('to')!) : undefined,
      sort: p.get('sort') ?? undefined,
      ...Object.fromEntries(DRILL_DOWN.flatMap((k) => (p.get(k) ? [[k, p.get(k)!]] : []))),
    };
  }, [filters]);
  const drillDown = DRILL_DOWN.filter((k) => f.get(k));
  // A drill-down filter's value in words: the figure, the stage, the location's name.
  const locationName = useLocationName(Boolean(f.get('location')));
  const chipValue = (key: string, value: string) =>
    key === 'kpi'
      ? tMaybe(`kpi.${value}`, '') || ops.maybe(`ops.kpi.${value}`, value)
      : key === 'placedFrom' || key === 'placedTo'
        ? Number.isNaN(Date.parse(value))
          ? value
          : formatDateTime(value, locale)
        : key === 'stage'
          ? words.state(value)
          : key === 'location'
            ? locationName(value)
            : value;
  useEffect(() => setSelected(new Set()), [apiFilters]);

  const list = useInfiniteQuery({
    queryKey: ['orders', apiFilters],
    queryFn: ({ pageParam, signal }) => fetchPage(apiFilters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const channels = useQuery({
    queryKey: ['channels', 'all'],
    queryFn: () => get<Page<Reference>>('/channels?limit=500'),
    staleTime: 300_000,
  });
  const states = useQuery({
    queryKey: ['states'],
    queryFn: () => get<OrdersSummary>('/reports/orders-summary?days=366'),
    staleTime: 300_000,
  });

  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const total = list.data?.pages[0]?.total;
  const csvHref = `/api/v1/orders.csv${query({ ...apiFilters })}`;
  const toggleColumn = (id: OrderColumn, on: boolean) => {
    const next = ALL_COLUMNS.filter((c) => (c === id ? on : columns.includes(c)));
    if (!next.length) return;
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(next));
    setColumns(next);
  };
  const stateOptions = [
    ...new Set([...(states.data?.byState.map((s) => s.state) ?? []), ...(f.get('state') ? [f.get('state')!] : [])]),
  ];

  return (
    <section className="page orders-page">
      <div className="page-head">
        <h1>{t('orders.title')}</h1>
        <details className="columns-menu">
          <summary>{cx('cx.columns')}</summary>
          <fieldset>
            <legend className="sr-only">{cx('cx.columns')}</legend>
            {ORDER_COLUMNS.map((c) => (
              <label key={c.id} className="check">
                <input
                  type="checkbox"
                  checked={columns.includes(c.id)}
                  onChange={(e) => toggleColumn(c.id, e.target.checked)}
                />{' '}
                {t(c.label)}
              </label>
            ))}
          </fieldset>
        </details>
        <a className="button" href={csvHref} download>
          {cx('cx.csv')}
        </a>
        <SavedViews current={filters} />
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setParam('q', text.trim());
        }}
      >
        <label className="grow">
          {t('orders.search')}
          <input
            type="search"
            name="q"
            value={text}
            placeholder={cx('cx.searchHint')}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <label>
          {t('orders.state')}
          <select name="state" value={f.get('state') ?? ''} onChange={(e) => setParam('state', e.target.value)}>
            <option value="">{t('common.any')}</option>
            {stateOptions.map((s) => (
              <option key={s} value={s}>
                {words.state(s, states.data?.stateLabels[s])}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('orders.channel')}
          <select name="channel" value={f.get('channel') ?? ''} onChange={(e) => setParam('channel', e.target.value)}>
            <option value="">{t('common.any')}</option>
            {(channels.data?.items ?? []).map((c) => (
              <option key={c.id} value={String(c.code)}>
                {String(c.name)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('orders.placedFrom')}
          <input
            type="date"
            name="from"
            value={f.get('from') ?? ''}
            onChange={(e) => setParam('from', e.target.value)}
          />
        </label>
        <label>
          {t('orders.placedTo')}
          <input type="date" name="to" value={f.get('to') ?? ''} onChange={(e) => setParam('to', e.target.value)} />
        </label>
        <button
          type="button"
          onClick={() => {
            setText('');
            navigate('/orders', { replace: true });
          }}
          disabled={!filters}
        >
          {t('orders.clear')}
        </button>
      </form>
      {drillDown.length > 0 && (
        <ul className="chips" aria-label={t('orders.drillDown')} data-testid="drill-down">
          {drillDown.map((k) => {
            const name = k === 'placedFrom' || k === 'placedTo' ? ops(`ops.filter.${k}`) : t(`orders.filter.${k}`);
            return (
              <li key={k}>
                <span>
                  {name}
                  {k === 'customerId' ? '' : `: ${chipValue(k, f.get(k)!)}`}
                </span>{' '}
                <button
                  type="button"
                  className="icon"
                  aria-label={t('orders.removeFilter', { name })}
                  onClick={() => setParam(k, '')}
                >
                  ✕
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {list.error ? (
        <ErrorBox error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <>
          {bulk && selected.size > 0 && (
            <BulkActions
              me={me}
              orders={rows.filter((o) => selected.has(o.id))}
              onDone={(results, pdf) => {
                setBulkResults(results);
                setCombined(pdf);
                setSelected(new Set());
                void list.refetch();
              }}
            />
          )}
          {bulkResults.length > 0 && (
            <div role="status">
              <p data-testid="bulk-summary">
                {ops('ops.bulkSummary', {
                  done: bulkResults.filter((r) => r.ok).length,
                  failed: bulkResults.filter((r) => !r.ok).length,
                })}
              </p>
              {combined && (
                <p className="bulk-combined">
                  <a className="button primary" href={combined.href} target="_blank" rel="noreferrer">
                    {ops(`ops.printAll.${combined.kind}` as OpsKey, { count: combined.count })}
                  </a>{' '}
                  <a href={combined.href} download={combined.filename}>
                    {ops('ops.download')}
                  </a>
                </p>
              )}
              <ul className="bulk-results card" aria-label={cx('cx.bulkResults')}>
                {bulkResults.map((r) => (
                  <li key={r.id} className={r.ok ? 'form-ok' : 'form-error'}>
                    {r.text}
                    {r.document && (
                      <>
                        {' '}
                        <a href={r.document} target="_blank" rel="noreferrer">
                          {ops('ops.bulkOpen')}
                        </a>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <OrdersTable
            rows={rows}
            columns={columns}
            sort={apiFilters.sort ?? '-created'}
            onSort={(next) => setParam('sort', next)}
            sortLabel={(column) => cx('cx.sort', { column })}
            selected={bulk ? selected : undefined}
            onSelect={
              bulk
                ? (ids, on) =>
                    setSelected((prev) => {
                      const next = new Set(prev);
                      for (const id of ids) {
                        if (on) next.add(id);
                        else next.delete(id);
                      }
                      return next;
                    })
                : undefined
            }
            selectLabel={(number) => cx('cx.select', { number })}
            selectAllLabel={cx('cx.selectAll')}
            footer={
              typeof total === 'number' ? (
                <strong data-testid="orders-total">{cx('cx.matches', { count: total })}</strong>
              ) : undefined
            }
            loading={list.isPending}
            hasMore={Boolean(list.hasNextPage)}
            fetchingMore={list.isFetchingNextPage}
            loadMore={() => {
              if (list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
            }}
          />
        </>
      )}
    </section>
  );
}

function fetchPage(f: Record<string, string | undefined>, cursor: string | undefined, signal: AbortSignal) {
  return get<ListPage>(`/orders${query({ ...f, limit: PAGE, cursor })}`, signal);
}

type BulkResult = Schemas['BulkOrdersResult'];
type BulkItem = BulkResult['items'][number];
type Outcome = { id: string; number: string; ok: boolean; text: string; document?: string };
type BulkAction = 'approve' | 'assign' | 'cancel' | 'print';
type PrintKind = 'packing-slip' | 'pick-list' | 'label';
const PRINT_KINDS: PrintKind[] = ['packing-slip', 'pick-list', 'label'];
/** The printable orders' packing slips or pick lists in one PDF (a blob: address), to print in one go. */
export type Combined = { href: string; filename: string; count: number; kind: PrintKind };
type People = ResponseOf<'/api/v1/users/assignable'>;

const KNOWN_PROBLEMS = new Set([
  'NO_OPEN_TASK',
  'TRANSITION_NOT_ALLOWED',
  'VERSION_MISMATCH',
  'NOT_FOUND',
  'NOTHING_TO_PRINT',
  'TASK_ROLE_REQUIRED',
  'TASK_NOT_OPEN',
  'EVENT_NOT_MANUAL',
  'TASK_MEMBER_REQUIRED',
  'ASSIGNEE_ROLE_REQUIRED',
]);

/** May this user act in bulk at all (approve or take tasks, cancel, print)? A viewer may not. */
export const canBulk = (me: Me) =>
  me.roles.some((role) => ['admin', 'operator', 'approver', 'finance', 'integration'].includes(role));

/**
 * Bulk actions on the selected rows in ONE request (POST /orders:bulk): approve or take their open
 * tasks, print their packing slips, or cancel them with a reason after a confirmation. Every
 * order is done on its own with the version the list shows, and each row reports its own
 * outcome: the state it reached, or why not in plain words.
 */
function BulkActions({
  me,
  orders,
  onDone,
}: {
  me: Me;
  orders: OrderSummary[];
  onDone: (results: Outcome[], combined?: Combined) => void;
}) {
  const cx = useMessages(contextMessages);
  const ops = useMessages(opsMessages);
  const { lang } = useI18n();
  const words = useStateWords();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [assignee, setAssignee] = useState('');
  const [printKind, setPrintKind] = useState<PrintKind>('packing-slip');
  const mayCancel = canWriteOrders(me);
  const mayAct = me.roles.some((role) => ['admin', 'operator', 'approver', 'finance'].includes(role));
  const people = useQuery({
    enabled: mayAct,
    queryKey: ['people', 'assignable'],
    queryFn: () => get<People>('/users/assignable'),
    staleTime: 300_000,
    retry: false,
  });

  const why = (item: BulkItem) => {
    const problem = item.problem;
    if (!problem) return '';
    if (KNOWN_PROBLEMS.has(problem.code))
      return ops(`ops.problem.${problem.code}` as OpsKey, {
        version: String((problem as Record<string, unknown>).currentVersion ?? '?'),
      });
    return problem.detail || problem.title;
  };
  const run = async (action: BulkAction, to?: string) => {
    setBusy(true);
    setFailure(null);
    try {
      const body = {
        action,
        orders: orders.map((o) => ({ id: o.id, version: o.version })),
        ...(action === 'cancel' ? { reason: reason.trim() } : {}),
        ...(action === 'assign' && to ? { assignee: to } : {}),
        ...(action === 'print' ? { document: printKind } : {}),
      };
      const res = await request<BulkResult>('POST', '/orders:bulk', body, { 'idempotency-key': crypto.randomUUID() });
      const numbers = new Map(orders.map((o) => [o.id, o.number]));
      // Packing slips and pick lists of every printable order in ONE PDF; labels are the carriers' own PDFs, one each.
      const printable = res.body.items.filter((item) => item.ok).map((item) => item.id);
      let combined: Combined | undefined;
      if (action === 'print' && printKind !== 'label' && printable.length > 0) {
        const pdf = await requestBlob('POST', '/orders:print', {
          orders: printable,
          document: printKind,
          locale: lang,
        });
        combined = {
          href: URL.createObjectURL(pdf),
          filename: `${printKind}s-${new Date().toISOString().slice(0, 10)}.pdf`,
          count: printable.length,
          kind: printKind,
        };
      }
      onDone(
        res.body.items.map((item) => {
          const number = item.number ?? numbers.get(item.id) ?? item.id;
          if (!item.ok)
            return { id: item.id, number, ok: false, text: cx('cx.bulkFailed', { number, detail: why(item) }) };
          if (action === 'print')
            return {
              id: item.id,
              number,
              ok: true,
              text: ops(`ops.printReady.${printKind}`, { number }),
              ...(item.document ? { document: item.document } : {}),
            };
          if (action === 'assign' && to)
            return {
              id: item.id,
              number,
              ok: true,
              text: ops('ops.assignedTo', {
                number,
                name: people.data?.items.find((person) => person.id === to)?.name ?? '',
              }),
            };
          return {
            id: item.id,
            number,
            ok: true,
            text: cx('cx.bulkOk', { number, state: words.state(item.state ?? '', item.stateLabels) }),
          };
        }),
        combined,
      );
      setConfirming(false);
      void client.invalidateQueries({ queryKey: ['tasks'] });
      void client.invalidateQueries({ queryKey: ['nav-counts'] });
    } catch (error) {
      // the whole request was refused (a lost session, a role): nothing was done
      setFailure(refusal(cx, error, 'order').text);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="bulk-bar card" role="region" aria-label={cx('cx.selected', { count: orders.length })}>
      <strong>{cx('cx.selected', { count: orders.length })}</strong>
      {mayAct && (
        <>
          <button type="button" disabled={busy} onClick={() => run('approve')}>
            {cx('cx.bulkApprove')}
          </button>
          <button type="button" disabled={busy} onClick={() => run('assign')}>
            {cx('cx.bulkAssign')}
          </button>
          {people.data && people.data.items.length > 0 && (
            <form
              className="bulk-assign"
              onSubmit={(e) => {
                e.preventDefault();
                if (assignee) void run('assign', assignee);
              }}
            >
              <label>
                {ops('ops.assignTo')}{' '}
                <select name="assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                  <option value="">{ops('ops.assignPick')}</option>
                  {people.data.items
                    .filter((person) => person.id !== me.actor.id)
                    .map((person) => (
                      <option key={person.id} value={person.id}>
                        {person.name}
                      </option>
                    ))}
                </select>
              </label>{' '}
              <button type="submit" disabled={busy || !assignee}>
                {ops('ops.assignGo')}
              </button>
            </form>
          )}
        </>
      )}
      <span className="bulk-print">
        <label>
          <span className="sr-only">{ops('ops.printWhat')}</span>
          <select
            aria-label={ops('ops.printWhat')}
            value={printKind}
            onChange={(e) => setPrintKind(e.target.value as PrintKind)}
          >
            {PRINT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {ops(`ops.document.${kind}`)}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" disabled={busy} onClick={() => run('print')}>
          {ops(`ops.print.${printKind}`)}
        </button>
      </span>
      {mayCancel && (
        <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
          {cx('cx.bulkCancel')}
        </button>
      )}
      {busy && <span role="status">{ops('ops.bulkWorking', { count: orders.length })}</span>}
      {failure && (
        <p role="alert" className="form-error">
          {failure}
        </p>
      )}
      {confirming && (
        <form
          className="bulk-confirm"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim()) void run('cancel');
          }}
        >
          <p role="alert">{cx('cx.bulkConfirm', { count: orders.length })}</p>
          <label>
            {cx('cx.bulkReason')}
            <input value={reason} maxLength={500} required onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" className="danger" disabled={busy || !reason.trim()}>
            {cx('cx.bulkGo')}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            {cx('cx.bulkBack')}
          </button>
        </form>
      )}
    </div>
  );
}

function SavedViews({ current }: { current: string }) {
  const { t } = useI18n();
  const [views, setViews] = useState<SavedView[]>(loadViews);
  const [name, setName] = useState('');
  const active = views.find((v) => v.search === current);
  return (
    <div className="saved-views">
      <label>
        <span className="sr-only">{t('orders.viewPick')}</span>
        <select
          aria-label={t('orders.viewPick')}
          value={active?.name ?? ''}
          onChange={(e) => {
            const v = views.find((x) => x.name === e.target.value);
            navigate(`/orders${v?.search ? `?${v.search}` : ''}`);
          }}
        >
          <option value="">
            {t('orders.views')}
            {views.length ? ` (${views.length})` : ''}
          </option>
          {views.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name}
            </option>
          ))}
        </select>
      </label>
      {active ? (
        <button type="button" onClick={() => setViews(deleteView(active.name))}>
          {t('orders.deleteView')}
        </button>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) {
              setViews(saveView({ name: name.trim(), search: current }));
              setName('');
            }
          }}
        >
          <input
            aria-label={t('orders.viewName')}
            placeholder={t('orders.viewName')}
            value={name}
            maxLength={60}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={!name.trim()}>
            {t('orders.saveView')}
          </button>
        </form>
      )}
    </div>
  );
}
