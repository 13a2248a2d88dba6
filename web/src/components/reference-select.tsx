import type { Reference } from '../api';

/** A filter's pick of one channel or location by code, "every …" first (the KPI page, the dashboard). */
export function ReferenceSelect(props: {
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
