import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { Language } from './built-in-templates.js';
import { loadOrderForNotification, orderVariables } from './order-variables.js';
import { effectiveTemplate, renderTemplate, validateTemplate, type TemplateInput } from './templates.js';
import { trackingUrlFor } from './tracking-link.js';

/**
 * Renders a template for a stored order without sending or storing anything: the saved template
 * (override or built-in), or a draft given in the request (validated like a saved one). The
 * language is the order's unless asked for.
 */
export async function previewNotification(
  tx: TenantScope,
  template: string,
  input: { orderId: string; language?: Language | undefined; draft?: TemplateInput | undefined },
  publicUrl?: string | undefined,
) {
  const order = await loadOrderForNotification(tx, input.orderId);
  if (!order) throw new AppError('NOT_FOUND', `order ${input.orderId} not found`);
  const language = input.language ?? order.language;
  if (input.draft) validateTemplate(input.draft);
  const tpl = input.draft
    ? { ...input.draft, html: input.draft.html ?? null, source: 'draft' as const }
    : await effectiveTemplate(tx, template, language);
  if (!tpl) throw new AppError('NOT_FOUND', `no template ${template} in ${language}`);
  const message = renderTemplate(
    tpl,
    orderVariables(order, language, await trackingUrlFor(tx, order.id, publicUrl)),
    language,
  );
  return { template, language, source: tpl.source, to: order.customerEmail, ...message };
}
