import { sql } from 'kysely';
import { AppError, type FieldError } from '../../shared/errors.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { BUILT_IN_TEMPLATES, LANGUAGES, type Language, type TemplateSource } from './built-in-templates.js';
import {
  checkTemplate,
  htmlFromText,
  renderHtml,
  renderText,
  TEMPLATE_VARIABLES,
  type TemplateVars,
} from './render.js';
import '../../store/schema-notifications.js';

export interface EffectiveTemplate extends TemplateSource {
  template: string;
  language: Language;
  source: 'built_in' | 'override';
  version: number | null;
}

/** The template used for a language: the tenant's override, else the built-in one; null when neither exists. */
export async function effectiveTemplate(
  tx: TenantScope,
  template: string,
  language: Language,
): Promise<EffectiveTemplate | null> {
  const row = await tx
    .selectFrom('notification_templates')
    .select(['language', 'version', 'subject', 'body_text', 'body_html'])
    .where('template', '=', template)
    .where('language', '=', language)
    .executeTakeFirst();
  return pickTemplate(template, language, row ? [row] : []);
}

/** effectiveTemplate over overrides already read (the tenant's rows for this template, any language). */
export function pickTemplate(
  template: string,
  language: Language,
  overrides: ReadonlyArray<{
    language: string;
    version: number;
    subject: string;
    body_text: string;
    body_html: string | null;
  }>,
): EffectiveTemplate | null {
  const row = overrides.find((o) => o.language === language);
  if (row)
    return {
      template,
      language,
      source: 'override',
      version: row.version,
      subject: row.subject,
      text: row.body_text,
      html: row.body_html,
    };
  const right = BUILT_IN_TEMPLATES[template]?.[language];
  return right ? { template, language, source: 'built_in', version: null, ...right } : null;
}

/** Subject, text and HTML of a template for the given variables (subject on one line). */
export function renderTemplate(
  tpl: TemplateSource,
  vars: TemplateVars,
  language: Language,
): { subject: string; text: string; html: string } {
  const text = renderText(tpl.text, vars);
  return {
    subject: renderText(tpl.subject, vars)
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .trim(),
    text,
    html: tpl.html === null ? htmlFromText(text, language) : renderHtml(tpl.html, vars),
  };
}

export interface TemplateInput {
  subject: string;
  text: string;
  html?: string | null | undefined;
}

/** Refuses a template with unknown variables or bad tags, naming every field at fault. */
export function validateTemplate(input: TemplateInput): void {
  const errors: FieldError[] = [];
  for (const [field, src] of [
    ['subject', input.subject],
    ['text', input.text],
    ['html', input.html ?? ''],
  ] as const) {
    const problem = checkTemplate(src);
    if (problem) errors.push({ path: `/${field}`, message: problem });
  }
  if (errors.length)
    throw new AppError(
      'NOTIFICATION_TEMPLATE_INVALID',
      errors.map((e) => `${e.path.slice(1)}: ${e.message}`).join('; '),
      errors,
    );
}

/** Every template the tenant can send, per language: built-in names plus the tenant's own, with where each comes from. */
export async function listTemplates(tx: TenantScope) {
  const overrides = await tx
    .selectFrom('notification_templates')
    .select(['template', 'language', 'version', 'updated_at'])
    .execute();
  const names = [...new Set([...Object.keys(BUILT_IN_TEMPLATES), ...overrides.map((o) => o.template)])].sort();
  return {
    variables: [...TEMPLATE_VARIABLES],
    items: names.map((template) => ({
      template,
      builtIn: Object.hasOwn(BUILT_IN_TEMPLATES, template),
      languages: LANGUAGES.map((language) => {
        const override = overrides.find((x) => x.template === template && x.language === language);
        return {
          language,
          source: override
            ? ('override' as const)
            : BUILT_IN_TEMPLATES[template]?.[language]
              ? ('built_in' as const)
              : ('missing' as const),
          version: override?.version ?? null,
          updatedAt: override ? new Date(override.updated_at).toISOString() : null,
        };
      }),
    })),
  };
}

/** Stores a tenant's override of one template in one language (validated); If-Match against its version when given. */
export async function putTemplateOverride(
  store: TenantScope,
  template: string,
  language: Language,
  input: TemplateInput,
  expected: number | null,
  now: Date,
): Promise<EffectiveTemplate> {
  // One unit of work: the row lock it reads under and its writes commit together.
  return atomically(store, async (tx) => {
    validateTemplate(input);
    const cur = await tx
      .selectFrom('notification_templates')
      .select('version')
      .where('template', '=', template)
      .where('language', '=', language)
      .forUpdate()
      .executeTakeFirst();
    if (expected !== null && (cur?.version ?? 0) !== expected) {
      throw new AppError(
        'VERSION_MISMATCH',
        `the override of ${template} (${language}) is at version ${cur?.version ?? 0}, not ${expected}`,
      );
    }
    const row = { subject: input.subject, body_text: input.text, body_html: input.html ?? null, updated_at: now };
    if (cur) {
      await tx
        .updateTable('notification_templates')
        .set({ ...row, version: sql`version + 1` })
        .where('template', '=', template)
        .where('language', '=', language)
        .execute();
    } else {
      await tx.insertInto('notification_templates', { template, language, ...row }).execute();
    }
    return (await effectiveTemplate(tx, template, language))!;
  });
}

/** Removes an override: the built-in template applies again. False when there was none. */
export async function deleteTemplateOverride(tx: TenantScope, template: string, language: Language): Promise<boolean> {
  const row = await tx
    .deleteFrom('notification_templates')
    .where('template', '=', template)
    .where('language', '=', language)
    .executeTakeFirst();
  return Number(row.numDeletedRows) > 0;
}
