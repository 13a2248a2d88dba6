import { useEffect } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get } from '../api';

export interface NavCounts {
  inbox: number;
  exceptions: number;
  attention: number;
  /** the hours without a step that make an order stuck in `attention` */
  stuckHours?: number;
}

/**
 * Live updates (issue 18): one EventSource per console tab on /api/v1/events/stream. Each
 * committed event marks the lists it may change as stale (orders, inbox, exceptions, the order
 * it is about, the navigation counts), so open pages refresh without a reload. The browser
 * reconnects by itself and sends Last-Event-ID, so nothing is missed across a short drop.
 */
export function useLiveUpdates(enabled: boolean) {
  const client = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/events/stream');
    let pending: ReturnType<typeof setTimeout> | null = null;
    const subjects = new Set<string>();
    const flush = () => {
      pending = null;
      void client.invalidateQueries({ queryKey: ['orders'] });
      void client.invalidateQueries({ queryKey: ['tasks'] });
      void client.invalidateQueries({ queryKey: ['exceptions'] });
      void client.invalidateQueries({ queryKey: ['nav-counts'] });
      for (const subject of subjects) void client.invalidateQueries({ queryKey: ['order', subject] });
      subjects.clear();
    };
    const onEvent = (message: MessageEvent<string>) => {
      try {
        const data = JSON.parse(message.data) as { subject?: string };
        if (data.subject) subjects.add(data.subject);
      } catch {
        /* not an event */
      }
      // a burst of events (one order makes several) refreshes once
      pending ??= setTimeout(flush, 300);
    };
    const listener = (message: Event) => onEvent(message as MessageEvent<string>);
    // server-sent events are named by type; listen to the families the console shows
    const named = [
      'order.accepted',
      'order.updated',
      'order.state_changed',
      'order.cancelled',
      'task.opened',
      'task.completed',
      'task.claimed',
      'shipment.shipped',
      'shipment.delivered',
      'fulfilment.requested',
      'return.received',
    ];
    for (const name of named) source.addEventListener(name, listener);
    source.onmessage = listener;
    source.addEventListener('closed', () => source.close());
    return () => {
      for (const name of named) source.removeEventListener(name, listener);
      source.close();
      if (pending) clearTimeout(pending);
    };
  }, [client, enabled]);
}

/** Badges for the navigation: my inbox, exceptions (refreshed by live updates, and every minute). */
export function useNavCounts(enabled: boolean) {
  return useQuery({
    queryKey: ['nav-counts'],
    queryFn: () => get<NavCounts>('/console/counts'),
    enabled,
    refetchInterval: 60_000,
    retry: false,
  });
}
