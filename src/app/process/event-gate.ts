import { AppError } from '../../shared/errors.js';
import { eventSource, isManual } from '../../process/index.js';
import type { CompiledDefinition } from '../../process/index.js';
import type { Actor } from '../../store/history.js';

/** Who sends an event through the API: what the route knows of the caller (issue 18). */
export interface EventCaller {
  actor: Actor;
  permissions: ReadonlySet<string>;
  /** Why the caller sends it; required for a manual override. */
  reason?: string | undefined;
}

export interface GateOutcome {
  /** A person raised an event that a system, carrier, payment, timer or integration raises. */
  override: { source: string; reason: string } | null;
}

/**
 * People may raise only the events the definition gives them. A system, carrier, payment, timer or
 * integration event is raised by an API key holding `orders:integrate` (integration, admin keys);
 * a person (a session, or a key without it) needs `orders:override` and a reason, and the override
 * is written to the history; anyone else is refused with 403 EVENT_NOT_MANUAL. An event the state
 * does not accept is left to the engine (409 with what it accepts).
 */
export function gateEvent(def: CompiledDefinition, state: string, name: string, caller: EventCaller): GateOutcome {
  if (!def.states.get(state)?.on.has(name) || isManual(def, state, name)) return { override: null };
  const source = eventSource(def, name);
  if (caller.actor.type === 'api_key' && caller.permissions.has('orders:integrate')) return { override: null };
  if (!caller.permissions.has('orders:override')) {
    throw new AppError(
      'EVENT_NOT_MANUAL',
      `"${name}" is raised by the ${source}, not by a person; a manual override needs the orders:override permission and a reason`,
      [],
      { event: name, source },
    );
  }
  const reason = caller.reason?.trim() ?? '';
  if (!reason) {
    throw new AppError(
      'REASON_REQUIRED',
      `"${name}" is raised by the ${source}: say why you raise it by hand`,
      [{ path: '/reason', message: 'a manual override needs a reason' }],
      { event: name, source },
    );
  }
  return { override: { source, reason } };
}
