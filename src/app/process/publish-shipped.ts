import type { ActionRegistry } from '../../process/index.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { checkSource, currentPublished } from './definition-store.js';
import { publishDefinition } from './publish-definition.js';
import { saveDraft } from './save-draft.js';
import { saveSelectionRules } from './selection-rules.js';

/** The shipped example processes (PRODUCT.md scenarios), one YAML file each. */
export const SHIPPED_PROCESSES_DIR = fileURLToPath(new URL('../../../processes/', import.meta.url));

/** Order type first (quotes, internal, subscriptions run their own process), then the channel's kind. */
export const DEFAULT_SELECTION_RULES = [
  { process: 'quote-to-order', orderType: 'quote' },
  { process: 'internal-requisition', orderType: 'internal' },
  { process: 'subscription', orderType: ['subscription', 'service'] },
  { process: 'marketplace-fbs', channel: 'marketplace' },
  { process: 'b2b-approvals', channel: ['b2b_portal', 'edi'] },
  { process: 'wholesale', segment: 'wholesale' },
  { process: 'b2c-omnichannel', channel: ['web', 'store', 'call_centre'] },
];

/**
 * Publishes every shipped definition the tenant does not have yet and installs the default
 * selection rules (for the demo tenant and new installations). Idempotent.
 */
export async function publishShippedProcesses(
  actions: ActionRegistry,
  scope: TenantScope,
  actor: Actor,
  now: Date,
  dir = SHIPPED_PROCESSES_DIR,
): Promise<string[]> {
  const published: string[] = [];
  for (const item of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    const source = readFileSync(`${dir}/${item}`, 'utf8');
    const checked = checkSource(actions, source);
    if (!checked.ok)
      throw new Error(`shipped process ${item} does not load: ${checked.problems.map((p) => p.message).join('; ')}`);
    // A tenant that already runs this process keeps its own versions.
    if (await currentPublished(scope, checked.def.key)) continue;
    const draft = await saveDraft(actions, scope, actor, now, source);
    await publishDefinition(actions, scope, actor, now, draft.key, draft.version);
    published.push(draft.key);
  }
  const existing = await scope.selectFrom('process_selection_rules').select('version').executeTakeFirst();
  if (!existing) await saveSelectionRules(scope, actor, now, DEFAULT_SELECTION_RULES, null);
  return published;
}
