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

function num(count: number): string {
  if (Number.isInteger(count)) return String(count);
  const text = count.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

function sum(terms: [number, string][]): string {
  let out = '';
  for (const [count, value] of terms) {
    if (count === 0) continue;
    const mag = num(Math.abs(count));
    out += out === '' ? `${count < 0 ? '- ' : ''}${mag} ${value}` : ` ${count < 0 ? '-' : '+'} ${mag} ${value}`;
  }
  return out === '' ? '0 y0' : out;
}

export function penaltyPerUnit(routingModel: RoutingModel): number {
  const total = totalUnits(routingModel);
  const fixed = routingModel.locs
    .map((l) => l.fixed)
    .sort((a, b) => b - a)
    .slice(0, Math.min(routingModel.locs.length, total));
  let maxUnit = 0;
  let maxDays = 0;
  for (const loc of routingModel.locs) {
    for (const item of loc.unit) maxUnit = Math.max(maxUnit, item);
    maxDays = Math.max(maxDays, loc.days);
  }
  return fixed.reduce((a, b) => a + b, 0) + total * maxUnit + routingModel.promiseWeight * maxDays + 1;
}

/**
 * Units location l can send of line i as one allocation, or 0 when the cell is not allowed
 * (no stock, less than the minimum batch, or a whole line it cannot cover).
 */
export function cellCap(routingModel: RoutingModel, loc: number, index: number): number {
  const line = routingModel.lines[index]!;
  const cap = Math.min(line.qty, routingModel.locs[loc]!.stock[line.sku]!);
  if (cap <= 0 || cap < line.minAlloc) return 0;
  if (routingModel.keepLinesWhole && cap < line.qty) return 0;
  return cap;
}

export interface MilpOptions {
  /** A plan filling every unit exists: require every line filled and drop the penalty M. */
  complete?: boolean;
}

/** Writes the model as LP text (see the file comment for the formulation). */
export function buildMilp(routingModel: RoutingModel, options: MilpOptions = {}): Milp {
  const complete = options.complete === true;
  const unit = complete ? 0 : penaltyPerUnit(routingModel);
  const cells: MilpCell[] = [];
  const obj: [number, string][] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const generals: string[] = [];
  const binaries: string[] = [];
  const usedLoc = new Set<number>();
  const byLine: MilpCell[][] = routingModel.lines.map(() => []);
  const byLocSku = new Map<string, MilpCell[]>();

  for (let locIndex = 0; locIndex < routingModel.locs.length; locIndex++) {
    const loc = routingModel.locs[locIndex]!;
    for (let lineIndex = 0; lineIndex < routingModel.lines.length; lineIndex++) {
      const line = routingModel.lines[lineIndex]!;
      const cap = cellCap(routingModel, locIndex, lineIndex);
      if (cap === 0) continue;
      const whole = routingModel.keepLinesWhole;
      const cell: MilpCell = {
        l: locIndex,
        i: lineIndex,
        name: `x${locIndex}_${lineIndex}`,
        factor: whole ? line.qty : 1,
      };
      cells.push(cell);
      byLine[lineIndex]!.push(cell);
      const key = `${locIndex}:${line.sku}`;
      const list = byLocSku.get(key) ?? [];
      list.push(cell);
      byLocSku.set(key, list);
      usedLoc.add(locIndex);
      obj.push([(loc.unit[lineIndex]! - unit) * cell.factor, cell.name]);
      if (whole) {
        binaries.push(cell.name);
        rows.push(` u${locIndex}_${lineIndex}: ${cell.name} - y${locIndex} <= 0`);
      } else {
        generals.push(cell.name);
        bounds.push(` 0 <= ${cell.name} <= ${cap}`);
        if (line.minAlloc > 1) {
          binaries.push(`z${locIndex}_${lineIndex}`);
          rows.push(` ub${locIndex}_${lineIndex}: ${cell.name} - ${cap} z${locIndex}_${lineIndex} <= 0`);
          rows.push(` lb${locIndex}_${lineIndex}: ${cell.name} - ${line.minAlloc} z${locIndex}_${lineIndex} >= 0`);
          rows.push(` u${locIndex}_${lineIndex}: z${locIndex}_${lineIndex} - y${locIndex} <= 0`);
        } else {
          rows.push(` u${locIndex}_${lineIndex}: ${cell.name} - ${cap} y${locIndex} <= 0`);
        }
      }
    }
  }
  if (cells.length === 0) return { lp: '', cells, dayLevels: [], hasVariables: false };

  for (const loc of usedLoc) {
    obj.push([routingModel.locs[loc]!.fixed, `y${loc}`]);
    binaries.push(`y${loc}`);
  }
  const dayLevels =
    routingModel.promiseWeight > 0
      ? [...new Set([...usedLoc].map((l) => routingModel.locs[l]!.days))].filter((d) => d > 0).sort((a, b) => a - b)
      : [];
  dayLevels.forEach((dayLevel, index) => {
    const value = `w${index + 1}`;
    obj.push([routingModel.promiseWeight * (dayLevel - (index === 0 ? 0 : dayLevels[index - 1]!)), value]);
    binaries.push(value);
    routingModel.lines.forEach((line, lineNo) => {
      const slow = byLine[lineNo]!.filter((c) => routingModel.locs[c.l]!.days >= dayLevel);
      if (slow.length > 0)
        rows.push(
          ` t${index + 1}_${lineNo}: ${sum([...slow.map((c): [number, string] => [c.factor, c.name]), [-line.qty, value]])} <= 0`,
        );
    });
    for (const loc of usedLoc)
      if (routingModel.locs[loc]!.days >= dayLevel) rows.push(` v${index + 1}_${loc}: y${loc} - ${value} <= 0`);
  });
  if (routingModel.shipComplete && !complete) binaries.push('f');
  routingModel.lines.forEach((line, index) => {
    const terms: [number, string][] = byLine[index]!.map((c) => [c.factor, c.name]);
    if (complete) rows.push(` q${index}: ${sum(terms)} = ${line.qty}`);
    else if (routingModel.shipComplete) rows.push(` q${index}: ${sum([...terms, [-line.qty, 'f']])} = 0`);
    else if (terms.length > 0) rows.push(` q${index}: ${sum(terms)} <= ${line.qty}`);
  });
  for (const [key, list] of byLocSku) {
    const [loc, size] = key.split(':').map(Number) as [number, number];
    const total = list.reduce(
      (n, c) => n + Math.min(routingModel.lines[c.i]!.qty, routingModel.locs[loc]!.stock[size]!),
      0,
    );
    if (list.length > 1 && total > routingModel.locs[loc]!.stock[size]!) {
      rows.push(
        ` s${loc}_${size}: ${sum(list.map((c) => [c.factor, c.name]))} <= ${routingModel.locs[loc]!.stock[size]}`,
      );
    }
  }
  if (Number.isFinite(routingModel.maxShipments) && routingModel.maxShipments < usedLoc.size) {
    rows.push(` ms: ${sum([...usedLoc].map((l) => [1, `y${l}`]))} <= ${routingModel.maxShipments}`);
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
export function readMilpSolution(routingModel: RoutingModel, milp: Milp, primal: Record<string, number>): Allocation {
  const allocation = emptyAllocation(routingModel);
  for (const cell of milp.cells) {
    const value = Math.round(primal[cell.name] ?? 0);
    if (value > 0) allocation[cell.l]![cell.i] = value * cell.factor;
  }
  return allocation;
}

/** A feasible allocation (the heuristic's) as a MIP start, by column name. */
export function milpStart(routingModel: RoutingModel, milp: Milp, allocation: Allocation): Record<string, number> {
  const start: Record<string, number> = {};
  let maxDays = 0;
  let filled = 0;
  for (const cell of milp.cells) {
    const item = allocation[cell.l]![cell.i]!;
    start[cell.name] = item / cell.factor;
    if (item > 0) {
      filled += item;
      start[`y${cell.l}`] = 1;
      start[`z${cell.l}_${cell.i}`] = 1;
      maxDays = Math.max(maxDays, routingModel.locs[cell.l]!.days);
    }
  }
  milp.dayLevels.forEach((d, k) => (start[`w${k + 1}`] = maxDays >= d ? 1 : 0));
  if (routingModel.shipComplete) start.f = filled > 0 ? 1 : 0;
  return start;
}
