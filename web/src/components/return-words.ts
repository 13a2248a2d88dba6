import { useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { returnsMessages } from '../i18n/returns-messages';
import { formatMoney } from '../format';
import { useStateWords } from './state-words';
import { reasonLabel, type ReturnReason } from '../returns-api';

/**
 * Returns in the user's words: wishes, grades, drop-offs, sources and process events from the
 * returns catalogue, reasons from the tenant's catalogue (GET /return-reasons, labelled EN/PL/RU),
 * states from the main one. A code nobody translated yet is spelled with spaces, never raw.
 */
export function useReturnWords() {
  const { lang, locale, tMaybe } = useI18n();
  const stateWords = useStateWords();
  const t = useMessages(returnsMessages);
  const reasons = useQuery({
    queryKey: ['return-reasons'],
    queryFn: () => get<{ items: ReturnReason[] }>('/return-reasons'),
    staleTime: 5 * 60_000,
    retry: false,
  });
  const words = (prefix: string) => (code: string) => t.maybe(`${prefix}.${code}`, code.replaceAll('_', ' '));
  return {
    t,
    lang,
    locale,
    reasons: reasons.data?.items,
    reason: (code: string) => reasonLabel(reasons.data?.items, code, lang),
    state: (code: string) => stateWords.state(code),
    wish: words('wish'),
    grade: words('grade'),
    dropOff: words('dropoff'),
    source: words('source'),
    receipt: words('receipt'),
    resolution: words('resolution'),
    /** A process event or task option as a button label (rev.*, then the order catalogue's outcome.*). */
    event: (code: string) => t.maybe(`rev.${code}`, tMaybe(`outcome.${code}`, code.replaceAll('_', ' '))),
    money: (v: string | null | undefined, currency: string) => formatMoney(v, currency, locale),
  };
}

export type ReturnWords = ReturnType<typeof useReturnWords>;
