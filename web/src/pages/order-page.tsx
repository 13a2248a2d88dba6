import { useQuery } from '@tanstack/react-query';
import { canWriteOrders, get, request, type HistoryEntry, type Me, type Order, type Schemas } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatMoney, formatNumber } from '../format';
import { Link } from '../router';
import { ErrorBox, Loading, StateBadge } from '../components/status';
import { Timeline } from '../components/timeline';
import { AddressEditor, NotesEditor } from '../components/order-edit';
import { AddressView } from '../components/address-view';
import { canOverrideEvents, OrderActions, OrderReservations } from '../components/order-actions';
import { useChannelName } from '../components/channel-names';
import { useStateWords } from '../components/state-words';

type HistoryPage = { items: HistoryEntry[]; words?: Schemas['ProcessWords'] };
import { OrderFulfilment } from '../components/order-fulfilment';
import { PaymentsPanel } from '../components/payments-panel';
import { InvoicesPanel } from '../components/invoices-panel';
import { CreditPanel } from '../components/credit-panel';
import { OrderReturnsPanel } from '../components/order-returns';

export default function OrderPage({ id, me }: { id: string; me: Me }) {
  const { t, tMaybe, locale } = useI18n();
  const channelName = useChannelName();
  const words = useStateWords();
  const order = useQuery({ queryKey: ['order', id], queryFn: () => request<Order>('GET', `/orders/${id}`) });
  const history = useQuery({
    queryKey: ['history', id],
    queryFn: () => get<HistoryPage>(`/orders/${id}/history`),
  });

  if (order.isPending) return <Loading />;
  if (order.error)
    return (
      <section className="page">
        <BackLink />
        <ErrorBox error={order.error} onRetry={() => order.refetch()} />
      </section>
    );
  const o = order.data.body;
  const etag = order.data.etag ?? `"${o.version}"`;
  const money = (v: string) => formatMoney(v, o.currency, locale);
  const writable = canWriteOrders(me);

  return (
    <article className="page order-page" aria-labelledby="order-title">
      <BackLink />
      <header className="order-head">
        <div>
          <h1 id="order-title">
            {t('order.title', { number: o.number })}{' '}
            <span data-testid="state">
              <StateBadge state={o.state} labels={o.stateLabels} />
            </span>
          </h1>
          <dl className="facts">
            <div>
              <dt>{t('order.channel')}</dt>
              <dd>{channelName(o.channel)}</dd>
            </div>
            {o.externalId && (
              <div>
                <dt>{t('order.externalId')}</dt>
                <dd className="mono">{o.externalId}</dd>
              </div>
            )}
            {o.displayNumber && (
              <div>
                <dt>{t('order.displayNumber')}</dt>
                <dd className="mono">{o.displayNumber}</dd>
              </div>
            )}
            <div>
              <dt>{t('order.customer')}</dt>
              <dd>
                {o.customer.id && o.customer.name ? (
                  <Link to={`/customers/${o.customer.id}`}>{o.customer.name}</Link>
                ) : (
                  (o.customer.name ?? (o.customer.masked ? t('order.customerMasked') : '—'))
                )}
                {o.customer.email && <span className="muted"> · {o.customer.email}</span>}
              </dd>
            </div>
            <div>
              <dt>{t('order.placed')}</dt>
              <dd>{formatDateTime(o.placedAt, locale)}</dd>
            </div>
            <div>
              <dt>{t('order.updated')}</dt>
              <dd>{formatDateTime(o.updatedAt, locale)}</dd>
            </div>
            <div>
              <dt>{t('order.version')}</dt>
              <dd>{o.version}</dd>
            </div>
            <div>
              <dt>{t('order.process')}</dt>
              <dd data-testid="order-process">
                {o.process.key
                  ? t('exceptions.processVersion', {
                      process: words.process(o.process.key),
                      version: o.process.version ?? '?',
                    })
                  : t('order.noProcess')}
              </dd>
            </div>
            <div>
              <dt>{t('order.delivery')}</dt>
              <dd>
                {tMaybe(`delivery.${o.delivery.method}`, o.delivery.method)}
                {o.delivery.carrier ? ` · ${o.delivery.carrier}` : ''}
              </dd>
            </div>
            <div>
              <dt>{t('order.payment')}</dt>
              <dd>{o.paymentTerms.kind ? tMaybe(`payment.${o.paymentTerms.kind}`, o.paymentTerms.kind) : '—'}</dd>
            </div>
          </dl>
        </div>
        <div className="totals card" aria-label={t('order.totals')}>
          <dl>
            <div>
              <dt>{t('order.subtotal')}</dt>
              <dd>{money(o.totals.subtotal)}</dd>
            </div>
            <div>
              <dt>{t('order.discount')}</dt>
              <dd>{money(o.totals.discountTotal)}</dd>
            </div>
            <div>
              <dt>{t('order.tax')}</dt>
              <dd>{money(o.totals.taxTotal)}</dd>
            </div>
            <div>
              <dt>{t('order.shipping')}</dt>
              <dd>{money(o.totals.shippingTotal)}</dd>
            </div>
            <div className="grand">
              <dt>{t('order.grandTotal')}</dt>
              <dd data-testid="grand-total">{money(o.totals.grandTotal)}</dd>
            </div>
          </dl>
        </div>
      </header>

      {!writable && <p className="muted">{t('order.readOnly')}</p>}
      <div className="order-grid">
        <div className="order-main">
          {o.process.key && (
            <OrderActions
              orderId={o.id}
              number={o.number}
              etag={etag}
              details={o.allowedEventDetails ?? []}
              writable={writable}
              canOverride={canOverrideEvents(me)}
            />
          )}
          <section className="card" aria-labelledby="lines-title">
            <h2 id="lines-title">{t('order.lines')}</h2>
            <div className="table-wrap">
              <table className="lines">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('order.line.no')}
                    </th>
                    <th scope="col">{t('order.line.sku')}</th>
                    <th scope="col">{t('order.line.name')}</th>
                    <th scope="col" className="num">
                      {t('order.line.quantity')}
                    </th>
                    <th scope="col" className="num">
                      {t('order.line.unitPrice')}
                    </th>
                    <th scope="col" className="num">
                      {t('order.line.discount')}
                    </th>
                    <th scope="col" className="num">
                      {t('order.line.taxRate')}
                    </th>
                    <th scope="col" className="num">
                      {t('order.line.total')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {o.lines.map((l) => (
                    <tr key={l.id}>
                      <td className="num">{l.lineNo}</td>
                      <td className="mono">{l.sku}</td>
                      <td>{l.name}</td>
                      <td className="num">{formatNumber(l.quantity, locale)}</td>
                      <td className="num">{money(l.unitPrice)}</td>
                      <td className="num">{money(l.discount)}</td>
                      <td className="num">{l.taxRate === null ? '—' : `${formatNumber(l.taxRate, locale)} %`}</td>
                      <td className="num">{money(l.total)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <OrderReturnsPanel order={o} etag={etag} me={me} />
          <PaymentsPanel order={o} me={me} />
          <InvoicesPanel order={o} me={me} />
          {o.companyId && <CreditPanel companyId={o.companyId} orderId={o.id} me={me} />}

          <OrderReservations orderId={o.id} />
          <OrderFulfilment orderId={o.id} />

          <section className="card" aria-labelledby="addr-title">
            <h2 id="addr-title">{t('order.addresses')}</h2>
            <div className="addresses">
              <div>
                <h3>{t('order.shippingAddress')}</h3>
                {writable ? <AddressEditor order={o} etag={etag} /> : <AddressView address={o.shippingAddress} />}
              </div>
              <div>
                <h3>{t('order.billingAddress')}</h3>
                <AddressView address={o.billingAddress} />
              </div>
            </div>
          </section>

          <section className="card" aria-labelledby="notes-title">
            <h2 id="notes-title">{t('order.notes')}</h2>
            {writable ? <NotesEditor order={o} etag={etag} /> : <p className="pre">{o.notes ?? t('order.noNotes')}</p>}
          </section>
        </div>
        <section className="card timeline-card" aria-labelledby="timeline-title">
          <h2 id="timeline-title">{t('timeline.title')}</h2>
          {history.error ? (
            <ErrorBox error={history.error} onRetry={() => history.refetch()} />
          ) : history.isPending ? (
            <Loading />
          ) : (
            <Timeline entries={history.data.items} words={history.data.words} />
          )}
        </section>
      </div>
    </article>
  );
}

function BackLink() {
  const { t } = useI18n();
  return (
    <p className="back">
      <Link to="/orders">← {t('order.back')}</Link>
    </p>
  );
}
