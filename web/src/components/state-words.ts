import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, type ResponseOf } from '../api';
import { useProcessLabel, type Labels } from '../i18n/process-words';

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

/**
 * A state or event in words, the one helper every screen uses (issue 18): the labels the answer
 * itself carries (an order's `stateLabels`), else the tenant's processes (`GET /processes/words`),
 * else the console's catalogue (`state.*`), else the code made readable — never the bare code.
 */
export function useStateWords() {
  const label = useProcessLabel();
  const vocabulary = useVocabulary();
  return useMemo(() => {
    const states = vocabulary.data?.states ?? {};
    const events = vocabulary.data?.events ?? {};
    return {
      state: (code: string, labels?: Labels) => label(labels ?? states[code], `state.${code}`, code),
      event: (code: string, labels?: Labels) => label(labels ?? events[code], `outcome.${code}`, code),
    };
  }, [label, vocabulary.data]);
}
