// Worker thread entry: loads HiGHS (WASM) once and solves LP-format models on request.
// HiGHS blocks its thread while solving, which is why it lives here and not on the main thread.
// Plain JavaScript on purpose: a worker does not inherit the TypeScript loader (tsx), so a .ts
// entry would fail to start under `node --import tsx`. Message shapes: see exact.ts.
import { parentPort } from 'node:worker_threads';
import loadHighs from 'highs';

const port = parentPort;
if (!port) throw new Error('highs-worker must run in a worker thread');
const highs = await loadHighs();

// No warm-up loop: V8 optimises the WASM code after the first solves, and warming it here
// only moved a multi-second tier-up stall onto the first real order (measured).
const STATUS = Object.fromEntries(Object.entries(highs.constants.modelStatus).map(([k, v]) => [v, k]));
const FEASIBLE = highs.constants.solutionStatus.feasible;

// A persistent model accepts a MIP start: the heuristic's plan as the first incumbent halves
// the solve time of a 10-line × 50-location order (measured: median 95 → 50 ms CPU).
function solve(req) {
  // The caller gave up already (it answers with the heuristic's plan): do not spend time on it.
  const left = (req.deadline - Date.now()) / 1000;
  if (left <= 0) return { id: req.id, ok: false, error: 'expired before the solve started' };
  const model = highs.createModel({ format: 'lp', data: req.lp });
  try {
    model.options.set({ ...req.options, time_limit: Math.max(0.001, Math.min(req.options.time_limit ?? left, left)) });
    const n = model.getDimensions().numCols;
    const names = new Array(n);
    for (let j = 0; j < n; j++) names[j] = model.getColName(j);
    if (req.start) {
      const col = new Float64Array(n);
      for (let j = 0; j < n; j++) col[j] = req.start[names[j]] ?? 0;
      model.setSolution({ colValue: col });
    }
    model.run();
    const status = STATUS[model.getModelStatus()] ?? 'unknown';
    const primal = {};
    if (model.info.get('primal_solution_status') === FEASIBLE) {
      const values = model.getSolution().colValue;
      for (let j = 0; j < n; j++) primal[names[j]] = values[j];
    }
    return { id: req.id, ok: true, status, primal };
  } finally {
    model.dispose();
  }
}

port.on('message', (req) => {
  let reply;
  try {
    reply = solve(req);
  } catch (e) {
    reply = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
