import { GROUPS, type Group } from './fields.js';
import { settingsTable } from './settings.js';

/** README.md's configuration table, generated from the settings (`npm run config:docs`; a test keeps them equal). */

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The README's configuration section (between its config markers), generated from the schema. */
export function configDocs(): string {
  const rows = settingsTable();
  const parts: string[] = [
    'Generated from `src/config.ts` by `npm run config:docs`. Every variable is checked at start: one error lists every bad value;',
    'an unknown `ORDO_` variable is reported with the nearest known names. Secrets are never logged. *Used by*: `serve` = `ordo serve`,',
    '`worker` = `ordo worker` (`node dist/worker/main.js`), `cli` = the other `ordo` commands.',
  ];
  for (const [group, title] of Object.entries(GROUPS) as Array<[Group, string]>) {
    const inGroup = rows.filter((r) => r.group === group);
    if (inGroup.length === 0) continue;
    parts.push(
      '',
      `**${title}**`,
      '',
      '| variable | type | default | used by | meaning |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const row of inGroup) {
      parts.push(
        `| \`${row.name}\` | ${cell(row.type)}${row.secret ? ', secret' : ''} | ${cell(row.default)} | ${row.processes.join(', ')} | ${cell(row.description)} |`,
      );
    }
  }
  return parts.join('\n');
}

export const CONFIG_DOCS_START = '<!-- config:start -->';
export const CONFIG_DOCS_END = '<!-- config:end -->';

/** README text with the block between the markers replaced by configDocs(). */
export function withConfigDocs(readme: string): string {
  const start = readme.indexOf(CONFIG_DOCS_START);
  const end = readme.indexOf(CONFIG_DOCS_END);
  if (start < 0 || end < start)
    throw new Error(`README.md needs ${CONFIG_DOCS_START} … ${CONFIG_DOCS_END} around its configuration table`);
  return `${readme.slice(0, start + CONFIG_DOCS_START.length)}\n${configDocs()}\n${readme.slice(end)}`;
}
