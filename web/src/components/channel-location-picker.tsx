import type { Reference } from '../api';
import { useMessages } from '../i18n/index';
import { kpisMessages } from '../i18n/kpis-messages';
import { useChannels } from './channel-names';
import { useLocations } from './location-names';
import { navigate, useLocation } from '../router';

/**
 * The page's channel and location filter, kept in the address (`?channel=…&location=…`) so a
 * filtered page can be shared and the dashboard's links carry it to the inbox and the exceptions.
 */
export function useChannelLocationFilter() {
  const { path, search } = useLocation();
  const channel = search.get('channel') ?? '';
  const location = search.get('location') ?? '';
  /** Sets the address's parameters (an empty value removes one): the filter's, or the page's own such as `overdue`. */
  const setFilter = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    navigate(next.size ? `${path}?${next.toString()}` : path, { replace: true });
  };
  /** For a query string: the filter's set parts only. */
  const filter = { channel: channel || undefined, location: location || undefined };
  /** `?channel=…&location=…` (and `more`) for a link to another page with the same filter ('' without any). */
  const filterQuery = (more: Record<string, string> = {}) => {
    const params = new URLSearchParams({ ...(channel && { channel }), ...(location && { location }), ...more });
    return params.size ? `?${params.toString()}` : '';
  };
  return { channel, location, filter, setFilter, filterQuery };
}

/** A filter's pick of one channel or location by code, "every …" first. */
function ReferenceSelect(props: {
  name: string;
  label: string;
  anyLabel: string;
  value: string;
  items: Reference[] | undefined;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name} value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        <option value="">{props.anyLabel}</option>
        {(props.items ?? []).map((item) => (
          <option key={item.id} value={String(item.code)}>
            {String(item.name)}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * One channel and one location (codes; '' for every one), as the KPI page and the dashboard filter
 * their figures: the location is where an order was fulfilled from.
 */
export function ChannelLocationPicker({
  channel,
  location,
  onChange,
}: {
  channel: string;
  location: string;
  onChange: (changes: { channel?: string; location?: string }) => void;
}) {
  const t = useMessages(kpisMessages);
  const channels = useChannels();
  const locations = useLocations();
  return (
    <>
      <ReferenceSelect
        name="channel"
        label={t('kp.channel')}
        anyLabel={t('kp.anyChannel')}
        value={channel}
        items={channels.data?.items}
        onChange={(value) => onChange({ channel: value })}
      />
      <ReferenceSelect
        name="location"
        label={t('kp.location')}
        anyLabel={t('kp.anyLocation')}
        value={location}
        items={locations.data?.items}
        onChange={(value) => onChange({ location: value })}
      />
    </>
  );
}
