import { useMemo } from 'react';
import { knownZones } from '../time-zone';

/**
 * A time-zone picker: "not set" first (its words are the caller's: the browser's zone, or whoever
 * signs in), then every IANA zone this browser knows. A saved zone the list lacks is kept as an
 * option, so it is shown rather than silently replaced. `value` is '' for not set.
 */
export function ZoneSelect({
  id,
  value,
  noneLabel,
  onChange,
  disabled,
  describedBy,
}: {
  id: string;
  value: string;
  noneLabel: string;
  onChange: (zone: string) => void;
  disabled?: boolean;
  describedBy?: string;
}) {
  const zones = useMemo(knownZones, []);
  return (
    <select
      id={id}
      value={value}
      disabled={disabled}
      onChange={(e) => onChange(e.target.value)}
      aria-describedby={describedBy}
    >
      <option value="">{noneLabel}</option>
      {value && !zones.includes(value) && <option value={value}>{value}</option>}
      {zones.map((zone) => (
        <option key={zone} value={zone}>
          {zone.replaceAll('_', ' ')}
        </option>
      ))}
    </select>
  );
}
