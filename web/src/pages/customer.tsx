import { useQuery } from '@tanstack/react-query';
import { ApiError, get, query, type OrderSummary, type ResponseOf } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatMoney, formatNumber } from '../format';
import { Link } from '../router';
import { ErrorBox, Loading, StateBadge } from '../components/status';
import { useChannelName } from '../components/channel-names';

type Returns = ResponseOf<'/api/v1/returns'>;
type Credit = ResponseOf<'/api/v1/customers/{id}/store-credit'>;
interface OrdersPage {
  items: OrderSummary[];
  total: number | null;
}

/** One customer: who they are, their orders (newest first, with the count), their returns and store credit. */
export default function CustomerPage({ id }: { id: string }) {
  const { t, tMaybe, locale } = useI18n();
  const channelName = useChannelName();
  const customer = useQuery({
    queryKey: ['customer', id],
    queryFn: () => get<Record<string, unknown>>(`/customers/${encodeURIComponent(id)}`),
    retry: false,
  });
  const orders = useQuery({
    queryKey: ['customer-orders', id],
    queryFn: () => get<OrdersPage>(`/orders${query({ customerId: id, limit: 50 })}`),
    retry: false,
  });
  const returns = useQuery({
    queryKey: ['customer-returns', id],
    queryFn: () => get<Returns>(`/returns${query({ customerId: id })}`),
    retry: false,
  });
  const credit = useQuery({
    queryKey: ['store-credit', id],
    queryFn: () => get<Credit>(`/customers/${encodeURIComponent(id)}/store-credit`),
    retry: false,
  });

  if (customer.error) return <ErrorBox error={customer.error} onRetry={() => customer.refetch()} />;
  if (customer.isPending) return <Loading />;
  const c = customer.data;
  const text = (key: string) => (c[key] === null || c[key] === undefined || c[key] === '' ? '—' : String(c[key]));
  const details: [string, string][] = [
    [t('col.code'), text('code')],
    [t('col.email'), text('email')],
    [t('col.phone'), text('phone')],
    [t('col.segment'), c.segment ? tMaybe(`segment.${String(c.segment)}`, String(c.segment)) : '—'],
    [t('col.locale'), c.locale ? tMaybe(`lang.${String(c.locale)}`, String(c.locale)) : '—'],
  ];
  const balances = credit.data?.balances.filter((b) => b.balance !== '0' && !/^0(\.0+)?$/.test(b.balance)) ?? [];

  return (
    <section className="page customer-page">
      <p>
        <Link to="/reference/customers">← {t('customer.all')}</Link>
      </p>
      <h1>{text('name')}</h1>
      <section className="card" aria-labelledby="cust-details">
        <h2 id="cust-details">{t('customer.details')}</h2>
        <dl className="facts">
          {details.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
          {balances.length > 0 && (
            <div>
              <dt>{t('customer.credit')}</dt>
              <dd data-testid="store-credit">
                {balances.map((b) => formatMoney(b.balance, b.currency, locale)).join(' · ')}
              </dd>
            </div>
          )}
        </dl>
      </section>

      <section className="card table-wrap" aria-labelledby="cust-orders">
        <h2 id="cust-orders">
          {t('customer.orders')}
          {orders.data?.total != null && <span className="badge"> {formatNumber(orders.data.total, locale)}</span>}
        </h2>
        {orders.error ? (
          <ErrorBox error={orders.error} onRetry={() => orders.refetch()} />
        ) : orders.isPending ? (
          <Loading />
        ) : orders.data.items.length === 0 ? (
          <p className="muted">{t('customer.noOrders')}</p>
        ) : (
          <table data-testid="customer-orders">
            <thead>
              <tr>
                <th scope="col">{t('orders.col.number')}</th>
                <th scope="col">{t('orders.col.placed')}</th>
                <th scope="col">{t('orders.col.channel')}</th>
                <th scope="col">{t('orders.col.state')}</th>
                <th scope="col" className="num">
                  {t('orders.col.total')}
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.data.items.map((o) => (
                <tr key={o.id}>
                  <td>
                    <Link to={`/orders/${o.id}`} className="mono">
                      {o.number}
                    </Link>
                  </td>
                  <td className="nowrap">{formatDateTime(o.placedAt, locale)}</td>
                  <td>{channelName(o.channel)}</td>
                  <td>
                    <StateBadge state={o.state} />
                  </td>
                  <td className="num nowrap">{formatMoney(o.grandTotal, o.currency, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {orders.data && orders.data.items.length > 0 && (
          <p>
            {orders.data.total != null && orders.data.total > orders.data.items.length && (
              <span className="muted">{t('customer.newest', { count: orders.data.items.length })} </span>
            )}
            <Link to={`/orders${query({ customerId: id })}`}>{t('customer.allOrders')}</Link>
          </p>
        )}
      </section>

      {!(returns.error instanceof ApiError && returns.error.status === 404) && (
        <section className="card table-wrap" aria-labelledby="cust-returns">
          <h2 id="cust-returns">{t('customer.returns')}</h2>
          {returns.error ? (
            <ErrorBox error={returns.error} onRetry={() => returns.refetch()} />
          ) : returns.isPending ? (
            <Loading />
          ) : returns.data.items.length === 0 ? (
            <p className="muted">{t('customer.noReturns')}</p>
          ) : (
            <table data-testid="customer-returns">
              <thead>
                <tr>
                  <th scope="col">{t('orders.col.number')}</th>
                  <th scope="col">{t('orders.col.state')}</th>
                  <th scope="col">{t('customer.ofOrder')}</th>
                  <th scope="col">{t('customer.requested')}</th>
                </tr>
              </thead>
              <tbody>
                {returns.data.items.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link to={`/returns/${r.id}`} className="mono">
                        {r.number}
                      </Link>
                    </td>
                    <td>
                      <StateBadge state={r.state} />
                    </td>
                    <td>
                      <Link to={`/orders/${r.orderId}`} className="mono">
                        {r.orderNumber}
                      </Link>
                    </td>
                    <td className="nowrap">{formatDateTime(r.createdAt, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </section>
  );
}
