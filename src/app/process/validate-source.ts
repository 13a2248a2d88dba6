import type { ActionRegistry } from '../../process/index.js';
import { checkSource } from './definition-store.js';

/** Checks a definition without storing it: every problem with its line and column. */
export function validateSource(actions: ActionRegistry, source: string) {
  const r = checkSource(actions, source);
  if (!r.ok) return { valid: false as const, key: null, problems: r.problems };
  const states = [...r.def.states.values()];
  return {
    valid: true as const, key: r.def.key, problems: [],
    summary: {
      states: states.length,
      terminal: states.filter((s) => s.terminal).map((s) => s.name),
      exceptions: states.filter((s) => s.exception).map((s) => s.name),
      tasks: states.filter((s) => s.task).map((s) => s.name),
    },
  };
}
