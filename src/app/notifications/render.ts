/**
 * A tiny, safe template language for notifications: `{{name}}` inserts a variable,
 * `{{#name}}…{{/name}}` keeps its content only when the variable is non-empty, `{{^name}}…{{/name}}`
 * only when it is empty. No expressions, no helpers, no access to anything but the listed
 * variables — a tenant's template cannot run code or read other data. In HTML every value is
 * escaped; the template's own markup is the tenant's.
 */

/** Every variable a template may use; anything else is refused when a template is saved. */
export const TEMPLATE_VARIABLES = [
  'shopName',
  'orderNumber',
  'externalId',
  'orderDate',
  'customerName',
  'lines',
  'subtotal',
  'shipping',
  'total',
  'currency',
  'trackingUrl',
  'trackingNumber',
  'carrier',
  'pickupLocation',
  'state',
  'invoiceNumber',
  'invoiceTotal',
] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateVars = Record<TemplateVariable, string>;

const known = new Set<string>(TEMPLATE_VARIABLES);

type Node =
  | { t: 'text'; s: string }
  | { t: 'var'; name: string }
  | { t: 'section'; name: string; inverted: boolean; body: Node[] };

export class TemplateError extends Error {}

const TAG = /\{\{\s*([#^/]?)\s*([A-Za-z_][A-Za-z0-9_]*)?\s*\}\}/g;

/** Parses a template; throws TemplateError naming the first problem (syntax or unknown variable). */
export function parseTemplate(src: string): Node[] {
  const root: Node[] = [];
  const stack: { name: string; body: Node[] }[] = [{ name: '', body: root }];
  let last = 0;
  for (const match of src.matchAll(TAG)) {
    const top = stack[stack.length - 1]!;
    if (match.index > last) top.body.push({ t: 'text', s: src.slice(last, match.index) });
    last = match.index + match[0].length;
    const [, sigil, name] = match;
    if (!name) throw new TemplateError(`"${match[0]}" names no variable`);
    if (!known.has(name))
      throw new TemplateError(`unknown variable {{${name}}}; known: ${TEMPLATE_VARIABLES.join(', ')}`);
    if (sigil === '/') {
      if (top.name !== name)
        throw new TemplateError(`{{/${name}}} closes nothing${top.name ? ` (open: {{#${top.name}}})` : ''}`);
      stack.pop();
    } else if (sigil === '#' || sigil === '^') {
      const body: Node[] = [];
      top.body.push({ t: 'section', name, inverted: sigil === '^', body });
      stack.push({ name, body });
    } else {
      top.body.push({ t: 'var', name });
    }
  }
  const rest = src.slice(last);
  if (stack.length > 1) throw new TemplateError(`{{#${stack[stack.length - 1]!.name}}} is never closed`);
  if (rest) root.push({ t: 'text', s: rest });
  // A stray "{{" inside text (e.g. "{{ 1 + 1 }}") did not match TAG: refuse it, do not print it.
  const strays = (nodes: Node[]): void => {
    for (const node of nodes) {
      if (node.t === 'text' && /\{\{|\}\}/.test(node.s))
        throw new TemplateError(
          `"${/\{\{[^}]{0,30}\}?\}?|\}\}/.exec(node.s)?.[0] ?? '{{'}" is not a valid tag: use {{name}}, {{#name}}…{{/name}} or {{^name}}…{{/name}}`,
        );
      if (node.t === 'section') strays(node.body);
    }
  };
  strays(root);
  return root;
}

/** The problem with a template, or null when it is valid. */
export function checkTemplate(src: string): string | null {
  try {
    parseTemplate(src);
    return null;
  } catch (error) {
    if (error instanceof TemplateError) return error.message;
    throw error;
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** Renders a parsed template; `value` maps each variable's text (identity for plain text, escaping for HTML). */
function renderNodes(nodes: Node[], vars: TemplateVars, value: (text: string) => string): string {
  let out = '';
  for (const node of nodes) {
    if (node.t === 'text') out += node.s;
    else if (node.t === 'var') out += value(vars[node.name as TemplateVariable] ?? '');
    else if (((vars[node.name as TemplateVariable] ?? '') !== '') !== node.inverted)
      out += renderNodes(node.body, vars, value);
  }
  return out;
}

/** Renders a template as plain text. */
export function renderText(src: string, vars: TemplateVars): string {
  return renderNodes(parseTemplate(src), vars, (s) => s);
}

/** Renders a template as HTML: every value escaped, newlines in values become <br>. */
export function renderHtml(src: string, vars: TemplateVars): string {
  return renderNodes(parseTemplate(src), vars, (s) => escapeHtml(s).replace(/\r?\n/g, '<br>\n'));
}

/**
 * Simple HTML from a rendered plain-text body: escaped, paragraphs on blank lines, line breaks
 * kept, http(s) links made clickable. Used when a template has no HTML part of its own.
 */
export function htmlFromText(text: string, lang: string): string {
  const paragraphs = text
    .trim()
    .split(/\r?\n\s*\r?\n/)
    .map(
      (p) =>
        `<p>${escapeHtml(p)
          .replace(/https?:\/\/[^\s<]+/g, (u) => `<a href="${u}">${u}</a>`)
          .replace(/\r?\n/g, '<br>\n')}</p>`,
    );
  return `<!doctype html>\n<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"></head>\n<body style="font-family: sans-serif; line-height: 1.5">\n${paragraphs.join('\n')}\n</body></html>\n`;
}
