import { useCallback, useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, type Page, type Reference } from '../api';

/** The locations (code and name), one cached request shared by the pages that name them. */
export function useLocations(enabled = true) {
  return useQuery({
    enabled,
    queryKey: ['locations', 'all'],
    queryFn: () => get<Page<Reference>>('/locations?limit=500'),
    staleTime: 300_000,
    retry: false,
  });
}

/**
 * A location's name for its code (`WAW-1` → "Magazyn Warszawa"); the code itself while it loads
 * or when the user may not read locations. `enabled: false` asks nothing (no location to name).
 */
export function useLocationName(enabled = true) {
  const locations = useLocations(enabled);
  const names = useMemo(
    () => new Map<string, string>(locations.data?.items.map((item) => [String(item.code), String(item.name)] as const)),
    [locations.data],
  );
  return useCallback((code: string) => names.get(code) ?? code, [names]);
}
