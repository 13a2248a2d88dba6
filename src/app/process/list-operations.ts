import { z } from 'zod';
import type { ActionRegistry } from '../../process/index.js';

/**
 * The actions a definition may name here, as the composition root wired them: what each does,
 * whether Ordo runs it (`local`), asks an integration for it (`external`, with the result events
 * its state must accept) or the engine interprets it, and the JSON Schema of its arguments.
 */
export function listOperations(actions: ActionRegistry) {
  return {
    items: [...actions.values()]
      .sort((a, b) => a.code.localeCompare(b.code))
      .map((a) => ({
        code: a.code,
        description: a.description,
        runs: a.runs,
        resultEvents: a.runs === 'external' ? [a.results!.succeeded, a.results!.failed] : [...(a.resultEvents ?? [])],
        ...(a.results ? { results: { ...a.results } } : {}),
        args: z.toJSONSchema(a.argsSchema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>,
      })),
  };
}
