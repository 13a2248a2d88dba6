import { useCallback, useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, type Page, type Reference } from '../api';

/** Every channel of the tenant (one cached request, shared by the pages that name or filter by them). */
export function useChannels() {
  return useQuery({
    queryKey: ['channels', 'all'],
    queryFn: () => get<Page<Reference>>('/channels?limit=500'),
    staleTime: 300_000,
    retry: false,
  });
}

/**
 * A channel's name for its code (`wildberries` → "Wildberries RU"), from the channel list the
 * orders page also reads (one cached request); the code itself while it loads or when the user
 * may not read channels.
 */
export function useChannelName() {
  const channels = useChannels();
  const names = useMemo(
    () => new Map<string, string>(channels.data?.items.map((c) => [String(c.code), String(c.name)] as const)),
    [channels.data],
  );
  return useCallback((code: string) => names.get(code) ?? code, [names]);
}
