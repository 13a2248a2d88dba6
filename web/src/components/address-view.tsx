import type { Address } from '../api';
import { useI18n } from '../i18n/index';

export function AddressView({ address }: { address: Address | null }) {
  const { t } = useI18n();
  if (!address) return <p className="muted">{t('order.noAddress')}</p>;
  const cityLine = [address.postalCode, address.city].filter(Boolean).join(' ');
  return (
    <address>
      {[
        address.name,
        address.company,
        address.line1,
        address.line2,
        cityLine,
        address.region,
        address.country,
        address.phone,
        address.email,
      ]
        .filter(Boolean)
        .map((l, i) => (
          <span key={i}>
            {l}
            <br />
          </span>
        ))}
    </address>
  );
}
