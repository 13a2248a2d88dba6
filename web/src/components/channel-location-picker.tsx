import type { Reference } from '../api';
import { useMessages } from '../i18n/index';
import { kpisMessages } from '../i18n/kpis-messages';
import { useChannels } from './channel-names';
import { useLocations } from './location-names';

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
