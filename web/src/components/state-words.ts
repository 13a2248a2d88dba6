import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, type ResponseOf } from '../api';
import { useI18n } from '../i18n/index';
import { humanise, useProcessLabel, type Labels } from '../i18n/process-words';

type Vocabulary = ResponseOf<'/api/v1/processes/words'>;

/** The processes' words for states and events, one cached request shared by every screen. */
export function useVocabulary() {
  return useQuery({
    queryKey: ['process-words'],
    queryFn: () => get<Vocabulary>('/processes/words'),
    staleTime: 300_000,
    retry: false,
  });
}

/** A process's name as an answer carries it (the exceptions queue) or `GET /processes/words` gives it. */
export interface ProcessName {
  title?: string | null;
  labels?: Labels;
}

/**
 * A state, event or process in words, the one helper every screen uses (issue 18): the labels the
 * answer itself carries (an order's `stateLabels`), else the tenant's processes
 * (`GET /processes/words`), else the console's catalogue (`state.*`), else the code made readable —
 * never the bare code. A process is named by its labels in the user's language, else its title.
 */
export function useStateWords() {
  const label = useProcessLabel();
  const { lang } = useI18n();
  const vocabulary = useVocabulary();
  return useMemo(() => {
    const states = vocabulary.data?.states ?? {};
    const events = vocabulary.data?.events ?? {};
    const processes = vocabulary.data?.processes ?? {};
    return {
      state: (code: string, labels?: Labels) => label(labels ?? states[code], `state.${code}`, code),
      event: (code: string, labels?: Labels) => label(labels ?? events[code], `outcome.${code}`, code),
      process: (key: string, name?: ProcessName) => {
        const known = processes[key];
        return (
          name?.labels?.[lang] ||
          known?.labels?.[lang] ||
          name?.title ||
          known?.title ||
          name?.labels?.en ||
          known?.labels?.en ||
          humanise(key)
        );
      },
    };
  }, [label, lang, vocabulary.data]);
}
