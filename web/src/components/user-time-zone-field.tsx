import { useId } from 'react';
import type { Message } from '../i18n/en';
import { useMessages, type Catalogue } from '../i18n/index';
import { ZoneSelect } from './zone-select';

const en = {
  'utz.label': 'Time zone',
  'utz.none': 'Not set: the browser’s zone of whoever signs in',
  'utz.hint': 'This user’s console shows times and calendar days in it.',
} satisfies Record<string, Message>;
type UtzKey = keyof typeof en;
const pl: Record<UtzKey, Message> = {
  'utz.label': 'Strefa czasowa',
  'utz.none': 'Nie ustawiono: strefa przeglądarki, z której się loguje',
  'utz.hint': 'Według niej konsola pokazuje temu użytkownikowi godziny i dni.',
};
const ru: Record<UtzKey, Message> = {
  'utz.label': 'Часовой пояс',
  'utz.none': 'Не задан: пояс браузера, из которого входят',
  'utz.hint': 'По нему консоль показывает этому пользователю время и дни.',
};
const utzMessages: Catalogue<UtzKey> = { en, pl, ru };

/**
 * Another user's time zone, in the users page's edit form for an admin (PATCH /users/{id}
 * `timeZone`): an IANA zone from the same list as the user menu's own setting, or "not set"
 * (null: the browser's zone). `value` is '' for not set.
 */
export function UserTimeZoneField({ value, onChange }: { value: string; onChange: (zone: string) => void }) {
  const t = useMessages(utzMessages);
  const id = useId();
  return (
    <div className="tz-setting" data-testid="user-time-zone">
      <label htmlFor={id}>{t('utz.label')}</label>
      <ZoneSelect id={id} value={value} noneLabel={t('utz.none')} onChange={onChange} describedBy={`${id}-hint`} />
      <p className="muted small" id={`${id}-hint`}>
        {t('utz.hint')}
      </p>
    </div>
  );
}
