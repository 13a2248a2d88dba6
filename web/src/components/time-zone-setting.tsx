import { useId, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { request, type Me } from '../api';
import type { Message } from '../i18n/en';
import { useMessages, type Catalogue } from '../i18n/index';
import { browserZone, setUserTimeZone } from '../time-zone';
import { ZoneSelect } from './zone-select';

const en = {
  'tz.label': 'Time zone',
  'tz.browser': 'Browser’s zone ({zone})',
  'tz.saved': 'Times are now shown in {zone}.',
  'tz.savedBrowser': 'Times are now shown in the browser’s zone ({zone}).',
  'tz.failed': 'The time zone could not be saved: {reason}',
} satisfies Record<string, Message>;
type TzKey = keyof typeof en;
const pl: Record<TzKey, Message> = {
  'tz.label': 'Strefa czasowa',
  'tz.browser': 'Strefa przeglądarki ({zone})',
  'tz.saved': 'Godziny są teraz pokazywane w strefie {zone}.',
  'tz.savedBrowser': 'Godziny są teraz pokazywane w strefie przeglądarki ({zone}).',
  'tz.failed': 'Nie udało się zapisać strefy czasowej: {reason}',
};
const ru: Record<TzKey, Message> = {
  'tz.label': 'Часовой пояс',
  'tz.browser': 'Пояс браузера ({zone})',
  'tz.saved': 'Время теперь показывается в поясе {zone}.',
  'tz.savedBrowser': 'Время теперь показывается в поясе браузера ({zone}).',
  'tz.failed': 'Не удалось сохранить часовой пояс: {reason}',
};
const tzMessages: Catalogue<TzKey> = { en, pl, ru };

/**
 * The user's own time zone, in the user menu (issue 18): "the browser's zone" by default, else an
 * IANA zone saved on the user (PATCH /me). Every time and calendar day in the console follows it
 * (format.ts, and the `tz=` of the dashboard and KPI requests): on a change every query is fetched
 * again in the new zone.
 */
export function TimeZoneSetting({ me }: { me: Me }) {
  const t = useMessages(tzMessages);
  const client = useQueryClient();
  const id = useId();
  const current = me.timeZone ?? '';
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const choose = async (zone: string) => {
    setBusy(true);
    setStatus(null);
    try {
      const saved = await request<{ timeZone: string | null }>('PATCH', '/me', { timeZone: zone || null });
      const timeZone = saved.body.timeZone;
      setUserTimeZone(timeZone);
      client.setQueryData<Me | null>(['me'], (old) => (old ? { ...old, timeZone } : old));
      // every figure and list again, in the new zone
      void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      setStatus({
        ok: true,
        text: timeZone ? t('tz.saved', { zone: timeZone }) : t('tz.savedBrowser', { zone: browserZone() }),
      });
    } catch (error) {
      setStatus({
        ok: false,
        text: t('tz.failed', { reason: error instanceof Error ? error.message : String(error) }),
      });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="tz-setting">
      <label htmlFor={id}>{t('tz.label')}</label>
      <ZoneSelect
        id={id}
        value={current}
        disabled={busy}
        noneLabel={t('tz.browser', { zone: browserZone() })}
        onChange={(zone) => void choose(zone)}
      />
      {status && (
        <p className={status.ok ? 'muted small' : 'form-error'} role="status" data-testid="tz-status">
          {status.text}
        </p>
      )}
    </div>
  );
}
