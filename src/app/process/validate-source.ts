import type { ActionRegistry } from '../../process/index.js';
import { checkSource } from './definition-store.js';

/** Checks a definition without storing it: every problem with its line and column. */
export function validateSource(actions: ActionRegistry, source: string) {
  const result = checkSource(actions, source);
  if (!result.ok) return { valid: false as const, key: null, problems: result.problems };
  const states = [...result.def.states.values()];
  return {
    valid: true as const,
    key: result.def.key,
    problems: [],
    summary: {
      states: states.length,
      terminal: states.filter((s) => s.terminal).map((s) => s.name),
      exceptions: states.filter((s) => s.exception).map((s) => s.name),
      tasks: states.filter((s) => s.task).map((s) => s.name),
    },
  };
}
