/**
 * The routing model as a mixed-integer program in CPLEX LP text, for HiGHS. Pure: building the
 * text and reading a solution back need no solver, so both are tested without the worker.
 *
 * Variables: v[l,i] units of line i from location l (or, for whole lines, a 0/1 choice worth
 * the full quantity), y[l] location used, z[l,i] batch switch, w[k] "a shipment takes at least
 * the k-th distinct number of days", f ship-complete switch.
 * The lexicographic goal (fill first, then cost) becomes one objective with a penalty M per
 * missing unit, M larger than any plan's cost, so it is exact rather than a tuning knob. When a
 * plan that fills every unit is already known (`complete`), every line must be filled and the
 * objective is the cost alone: the same optimum, without M's huge coefficients.
 *
 * The latest-day term is written with one switch per distinct day count (w[k] ≥ the share of
 * each line served from locations that slow) rather than `D ≥ days·y[l]`: the same integer
 * points, but a much tighter LP relaxation (measured: HiGHS's root cuts and sub-MIP were most of
 * the solve time with the `D` form).
 */
import { emptyAllocation, totalUnits, type Allocation, type RoutingModel } from './model.js';

export interface MilpCell {
  l: number;
  i: number;
  name: string;
  /** Units per unit of the variable: 1, or the line quantity for whole-line binaries. */
  factor: number;
}

export interface Milp {
  lp: string;
  cells: MilpCell[];
  /** Distinct positive day counts of the used locations, ascending: w1 … wK. */
  dayLevels: number[];
  /** False when no location can supply anything: nothing to solve. */
  hasVariables: boolean;
}

function num(c: number): string {
  if (Number.isInteger(c)) return String(c);
  const s = c.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

function sum(terms: [number, string][]): string {
  let out = '';
  for (const [c, v] of terms) {
    if (c === 0) continue;
    const mag = num(Math.abs(c));
    out += out === '' ? `${c < 0 ? '- ' : ''}${mag} ${v}` : ` ${c < 0 ? '-' : '+'} ${mag} ${v}`;
  }
  return out === '' ? '0 y0' : out;
}

export function penaltyPerUnit(m: RoutingModel): number {
  const total = totalUnits(m);
  const fixed = m.locs.map((l) => l.fixed).sort((a, b) => b - a).slice(0, Math.min(m.locs.length, total));
  let maxUnit = 0;
  let maxDays = 0;
  for (const l of m.locs) {
    for (const u of l.unit) maxUnit = Math.max(maxUnit, u);
    maxDays = Math.max(maxDays, l.days);
  }
  return fixed.reduce((a, b) => a + b, 0) + total * maxUnit + m.promiseWeight * maxDays + 1;
}

/**
 * Units location l can send of line i as one allocation, or 0 when the cell is not allowed
 * (no stock, less than the minimum batch, or a whole line it cannot cover).
 */
export function cellCap(m: RoutingModel, l: number, i: number): number {
  const line = m.lines[i]!;
  const cap = Math.min(line.qty, m.locs[l]!.stock[line.sku]!);
  if (cap <= 0 || cap < line.minAlloc) return 0;
  if (m.keepLinesWhole && cap < line.qty) return 0;
  return cap;
}

export interface MilpOptions {
  /** A plan filling every unit exists: require every line filled and drop the penalty M. */
  complete?: boolean;
}

/** Writes the model as LP text (see the file comment for the formulation). */
export function buildMilp(m: RoutingModel, options: MilpOptions = {}): Milp {
  const complete = options.complete === true;
  const M = complete ? 0 : penaltyPerUnit(m);
  const cells: MilpCell[] = [];
  const obj: [number, string][] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const generals: string[] = [];
  const binaries: string[] = [];
  const usedLoc = new Set<number>();
  const byLine: MilpCell[][] = m.lines.map(() => []);
  const byLocSku = new Map<string, MilpCell[]>();

  for (let l = 0; l < m.locs.length; l++) {
    const loc = m.locs[l]!;
    for (let i = 0; i < m.lines.length; i++) {
      const line = m.lines[i]!;
      const cap = cellCap(m, l, i);
      if (cap === 0) continue;
      const whole = m.keepLinesWhole;
      const cell: MilpCell = { l, i, name: `x${l}_${i}`, factor: whole ? line.qty : 1 };
      cells.push(cell);
      byLine[i]!.push(cell);
      const key = `${l}:${line.sku}`;
      const list = byLocSku.get(key) ?? [];
      list.push(cell);
      byLocSku.set(key, list);
      usedLoc.add(l);
      obj.push([(loc.unit[i]! - M) * cell.factor, cell.name]);
      if (whole) {
        binaries.push(cell.name);
        rows.push(` u${l}_${i}: ${cell.name} - y${l} <= 0`);
      } else {
        generals.push(cell.name);
        bounds.push(` 0 <= ${cell.name} <= ${cap}`);
        if (line.minAlloc > 1) {
          binaries.push(`z${l}_${i}`);
          rows.push(` ub${l}_${i}: ${cell.name} - ${cap} z${l}_${i} <= 0`);
          rows.push(` lb${l}_${i}: ${cell.name} - ${line.minAlloc} z${l}_${i} >= 0`);
          rows.push(` u${l}_${i}: z${l}_${i} - y${l} <= 0`);
        } else {
          rows.push(` u${l}_${i}: ${cell.name} - ${cap} y${l} <= 0`);
        }
      }
    }
  }
  if (cells.length === 0) return { lp: '', cells, dayLevels: [], hasVariables: false };

  for (const l of usedLoc) {
    obj.push([m.locs[l]!.fixed, `y${l}`]);
    binaries.push(`y${l}`);
  }
  const dayLevels =
    m.promiseWeight > 0 ? [...new Set([...usedLoc].map((l) => m.locs[l]!.days))].filter((d) => d > 0).sort((a, b) => a - b) : [];
  dayLevels.forEach((d, k) => {
    const w = `w${k + 1}`;
    obj.push([m.promiseWeight * (d - (k === 0 ? 0 : dayLevels[k - 1]!)), w]);
    binaries.push(w);
    m.lines.forEach((line, i) => {
      const slow = byLine[i]!.filter((c) => m.locs[c.l]!.days >= d);
      if (slow.length > 0) rows.push(` t${k + 1}_${i}: ${sum([...slow.map((c): [number, string] => [c.factor, c.name]), [-line.qty, w]])} <= 0`);
    });
    for (const l of usedLoc) if (m.locs[l]!.days >= d) rows.push(` v${k + 1}_${l}: y${l} - ${w} <= 0`);
  });
  if (m.shipComplete && !complete) binaries.push('f');
  m.lines.forEach((line, i) => {
    const terms: [number, string][] = byLine[i]!.map((c) => [c.factor, c.name]);
    if (complete) rows.push(` q${i}: ${sum(terms)} = ${line.qty}`);
    else if (m.shipComplete) rows.push(` q${i}: ${sum([...terms, [-line.qty, 'f']])} = 0`);
    else if (terms.length > 0) rows.push(` q${i}: ${sum(terms)} <= ${line.qty}`);
  });
  for (const [key, list] of byLocSku) {
    const [l, s] = key.split(':').map(Number) as [number, number];
    const total = list.reduce((n, c) => n + Math.min(m.lines[c.i]!.qty, m.locs[l]!.stock[s]!), 0);
    if (list.length > 1 && total > m.locs[l]!.stock[s]!) {
      rows.push(` s${l}_${s}: ${sum(list.map((c) => [c.factor, c.name]))} <= ${m.locs[l]!.stock[s]}`);
    }
  }
  if (Number.isFinite(m.maxShipments) && m.maxShipments < usedLoc.size) {
    rows.push(` ms: ${sum([...usedLoc].map((l) => [1, `y${l}`]))} <= ${m.maxShipments}`);
  }
  const lp = [
    'Minimize',
    ` obj: ${sum(obj)}`,
    'Subject To',
    ...rows,
    'Bounds',
    ...bounds,
    ...(generals.length > 0 ? ['Generals', ' ' + generals.join(' ')] : []),
    'Binaries',
    ' ' + binaries.join(' '),
    'End',
  ].join('\n');
  return { lp, cells, dayLevels, hasVariables: true };
}

/** Reads primal values (by column name) back into an allocation; integers are rounded. */
export function readMilpSolution(m: RoutingModel, milp: Milp, primal: Record<string, number>): Allocation {
  const x = emptyAllocation(m);
  for (const c of milp.cells) {
    const v = Math.round(primal[c.name] ?? 0);
    if (v > 0) x[c.l]![c.i] = v * c.factor;
  }
  return x;
}

/** A feasible allocation (the heuristic's) as a MIP start, by column name. */
export function milpStart(m: RoutingModel, milp: Milp, x: Allocation): Record<string, number> {
  const start: Record<string, number> = {};
  let maxDays = 0;
  let filled = 0;
  for (const c of milp.cells) {
    const q = x[c.l]![c.i]!;
    start[c.name] = q / c.factor;
    if (q > 0) {
      filled += q;
      start[`y${c.l}`] = 1;
      start[`z${c.l}_${c.i}`] = 1;
      maxDays = Math.max(maxDays, m.locs[c.l]!.days);
    }
  }
  milp.dayLevels.forEach((d, k) => (start[`w${k + 1}`] = maxDays >= d ? 1 : 0));
  if (m.shipComplete) start.f = filled > 0 ? 1 : 0;
  return start;
}
