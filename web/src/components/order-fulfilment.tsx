import { useQuery } from '@tanstack/react-query';
import { ApiError, get, type Schemas } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatNumber } from '../format';
import { ErrorBox, Loading } from './status';

type FulfilmentOrder = Schemas['FulfilmentOrder'];
type Shipment = Schemas['Shipment'];

/** Where the order is being fulfilled: each location's fulfilment order and the shipments that left. */
export function OrderFulfilment({ orderId }: { orderId: string }) {
  const { t, tMaybe, locale } = useI18n();
  const fos = useQuery({
    queryKey: ['fulfilment', orderId],
    queryFn: () => get<{ items: FulfilmentOrder[] }>(`/fulfilment-orders?orderId=${orderId}&limit=100`),
    retry: false,
  });
  const shipments = useQuery({
    queryKey: ['shipments', orderId],
    queryFn: () => get<{ items: Shipment[] }>(`/orders/${orderId}/shipments`),
    retry: false,
  });
  const hidden = (e: unknown) => e instanceof ApiError && (e.status === 403 || e.status === 404);
  if (hidden(fos.error)) return null;
  const error = fos.error ?? (hidden(shipments.error) ? null : shipments.error);
  return (
    <section className="card" aria-labelledby="ful-title">
      <h2 id="ful-title">{t('order.fulfilment')}</h2>
      <PrintLinks
        orderId={orderId}
        canPick={Boolean(fos.data?.items.length)}
        canLabel={Boolean(shipments.data?.items.some((s) => s.status !== 'cancelled' && s.carrierShipmentId))}
      />
      {error ? (
        <ErrorBox error={error} />
      ) : !fos.data ? (
        <Loading />
      ) : fos.data.items.length === 0 ? (
        <p className="muted">{t('order.noFulfilment')}</p>
      ) : (
        <div className="table-wrap">
          <table className="compact" data-testid="fulfilment">
            <thead>
              <tr>
                <th scope="col">{t('order.fulLocation')}</th>
                <th scope="col">{t('order.fulState')}</th>
                <th scope="col">{t('order.line.sku')}</th>
                <th scope="col" className="num">
                  {t('order.line.quantity')}
                </th>
                <th scope="col" className="num">
                  {t('order.fulPicked')}
                </th>
                <th scope="col">{t('order.shipUpdated')}</th>
              </tr>
            </thead>
            <tbody>
              {fos.data.items.flatMap((f) =>
                f.lines.map((l, i) => (
                  <tr key={`${f.id}-${l.id}`}>
                    {i === 0 ? (
                      <td rowSpan={f.lines.length} className="mono">
                        {f.location ?? '—'}
                      </td>
                    ) : null}
                    {i === 0 ? <td rowSpan={f.lines.length}>{tMaybe(`fulfilment.${f.state}`, f.state)}</td> : null}
                    <td className="mono">{l.sku}</td>
                    <td className="num">{formatNumber(l.quantity, locale)}</td>
                    <td className="num">{l.picked === null ? '—' : formatNumber(l.picked, locale)}</td>
                    {i === 0 ? (
                      <td rowSpan={f.lines.length} className="nowrap">
                        {formatDateTime(f.updatedAt, locale)}
                      </td>
                    ) : null}
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
      {shipments.data && shipments.data.items.length > 0 ? (
        <div className="table-wrap">
          <table className="compact" data-testid="shipments">
            <thead>
              <tr>
                <th scope="col">{t('order.fulShipment')}</th>
                <th scope="col">{t('order.shipCarrier')}</th>
                <th scope="col">{t('order.shipTracking')}</th>
                <th scope="col">{t('order.shipStatus')}</th>
                <th scope="col">{t('order.shipUpdated')}</th>
              </tr>
            </thead>
            <tbody>
              {shipments.data.items.map((s) => (
                <tr key={s.id}>
                  <td className="mono">{s.id.slice(-8)}</td>
                  <td>{s.carrier}</td>
                  <td className="mono">
                    {s.trackingUrl && s.trackingNumber ? (
                      <a href={s.trackingUrl} target="_blank" rel="noreferrer">
                        {s.trackingNumber}
                      </a>
                    ) : (
                      (s.trackingNumber ?? '—')
                    )}
                  </td>
                  <td>{tMaybe(`shipment.${s.status}`, s.status)}</td>
                  <td className="nowrap">{formatDateTime(s.updatedAt, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Printing (issue 18): the order's packing slip, pick list and label open as PDF in a new tab. */
function PrintLinks({ orderId, canPick, canLabel }: { orderId: string; canPick: boolean; canLabel: boolean }) {
  const { t, lang } = useI18n();
  const link = (kind: string) => `/api/v1/orders/${orderId}/documents/${kind}?locale=${lang}`;
  return (
    <p className="print-links" data-testid="print-links">
      <a href={link('packing-slip')} target="_blank" rel="noopener">
        {t('print.packingSlip')}
      </a>
      {canPick ? (
        <a href={link('pick-list')} target="_blank" rel="noopener">
          {t('print.pickList')}
        </a>
      ) : null}
      {canLabel ? (
        <a href={link('label')} target="_blank" rel="noopener">
          {t('print.label')}
        </a>
      ) : null}
    </p>
  );
}
