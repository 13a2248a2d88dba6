import { useMessages } from '../i18n/index';
import { designerMessages } from './messages';
import {
  addTableRow,
  deleteTableRow,
  moveTableRow,
  setHitPolicy,
  setTableCell,
  setTableDefault,
  tableCellOfPath,
  type DecisionTableView,
  type Doc,
} from './model';

interface Problem {
  path: string;
  message: string;
}

/**
 * The definition's decision tables edited as tables: one row per rule (condition, result),
 * reorder, add and delete rules, the hit policy and the default. Every change edits the YAML
 * document in place (only the touched rule's line changes); a problem the server finds in a
 * rule is shown at its row.
 */
export function DecisionTables(p: {
  tables: DecisionTableView[];
  problems: Problem[];
  editable: boolean;
  edit: (fn: (doc: Doc) => void) => void;
}) {
  const t = useMessages(designerMessages);
  if (!p.tables.length) return null;
  const problemsAt = (table: string, row: number | null) =>
    p.problems.filter((x) => {
      const cell = tableCellOfPath(x.path);
      return cell?.table === table && cell.row === row;
    });
  return (
    <section className="card decision-tables" aria-labelledby="dtables-title" data-testid="decision-tables">
      <h2 id="dtables-title">{t('designer.tables')}</h2>
      {p.tables.map((table) => {
        const tableProblems = problemsAt(table.name, null);
        return (
          <div key={table.name} className="decision-table">
            <h3 className="mono">{table.name}</h3>
            {table.description && <p className="muted">{table.description}</p>}
            <label className="inline">
              {t('designer.table.hitPolicy')}{' '}
              <select
                value={table.hitPolicy}
                disabled={!p.editable}
                onChange={(e) => p.edit((d) => setHitPolicy(d, table.name, e.target.value as 'first' | 'collect'))}
              >
                <option value="first">{t('designer.table.first')}</option>
                <option value="collect">{t('designer.table.collect')}</option>
              </select>
            </label>
            {tableProblems.map((x, i) => (
              <p key={i} className="form-error">
                {x.message}
              </p>
            ))}
            <div className="table-wrap">
              <table className="compact" aria-label={table.name}>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">{t('designer.table.when')}</th>
                    <th scope="col">{t('designer.table.output')}</th>
                    {p.editable && <th scope="col" aria-hidden="true" />}
                  </tr>
                </thead>
                <tbody>
                  {table.rules.map((rule, row) => {
                    const n = row + 1;
                    const rowProblems = problemsAt(table.name, row);
                    return (
                      <tr key={row} className={rowProblems.length ? 'has-problem' : undefined}>
                        <th scope="row">{n}</th>
                        <td>
                          <input
                            className="mono"
                            aria-label={`${t('designer.table.when')} ${n}`}
                            aria-invalid={rowProblems.length > 0}
                            value={rule.when}
                            readOnly={!p.editable}
                            onChange={(e) => p.edit((d) => setTableCell(d, table.name, row, 'when', e.target.value))}
                          />
                          {rowProblems.map((x, i) => (
                            <div key={i} className="form-error small">
                              {x.message}
                            </div>
                          ))}
                        </td>
                        <td>
                          <input
                            className="mono"
                            aria-label={`${t('designer.table.output')} ${n}`}
                            value={rule.output}
                            readOnly={!p.editable}
                            onChange={(e) => p.edit((d) => setTableCell(d, table.name, row, 'output', e.target.value))}
                          />
                        </td>
                        {p.editable && (
                          <td className="nowrap">
                            <button
                              type="button"
                              className="icon"
                              aria-label={t('designer.table.up', { n })}
                              title={t('designer.table.up', { n })}
                              disabled={row === 0}
                              onClick={() => p.edit((d) => moveTableRow(d, table.name, row, -1))}
                            >
                              ↑
                            </button>
                            <button
                              type="button"
                              className="icon"
                              aria-label={t('designer.table.down', { n })}
                              title={t('designer.table.down', { n })}
                              disabled={row === table.rules.length - 1}
                              onClick={() => p.edit((d) => moveTableRow(d, table.name, row, 1))}
                            >
                              ↓
                            </button>
                            <button
                              type="button"
                              className="icon"
                              aria-label={t('designer.table.delete', { n })}
                              title={t('designer.table.delete', { n })}
                              onClick={() => p.edit((d) => deleteTableRow(d, table.name, row))}
                            >
                              ✕
                            </button>
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {table.hitPolicy === 'first' && (
              <label>
                {t('designer.table.default')}
                <input
                  className="mono"
                  value={table.fallback ?? ''}
                  readOnly={!p.editable}
                  onChange={(e) => p.edit((d) => setTableDefault(d, table.name, e.target.value))}
                />
              </label>
            )}
            {p.editable && (
              <button type="button" onClick={() => p.edit((d) => addTableRow(d, table.name))}>
                {t('designer.table.addRow')}
              </button>
            )}
          </div>
        );
      })}
    </section>
  );
}
