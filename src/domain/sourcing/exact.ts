/**
 * The exact optimiser: the MILP solved by HiGHS in one long-lived worker thread, time-boxed.
 * Before HiGHS, `reduceModel` (presolve.ts) drops locations no optimal plan needs and, when a
 * lower bound meets the cost of the heuristic's plan (or of a plan it builds), returns that plan
 * as proven optimal without a solve.
 * On timeout the caller keeps the heuristic answer; HiGHS's own time limit (80 % of the box)
 * frees the worker soon after, requests already past their deadline are skipped, and only a
 * worker silent for 30 s is terminated (a WASM solve cannot be interrupted) and restarted. The worker is unref'd while idle, so a
 * process that forgets `shutdownExactSolver()` still exits.
 */
import { Worker } from 'node:worker_threads';
import { buildMilp, milpStart, readMilpSolution } from './milp.js';
import { compareScores, scoreOf, violation, type Allocation, type RoutingModel, type Score } from './model.js';
import { solveHeuristic } from './heuristic.js';
import { expandAllocation, reduceModel, restrictAllocation, restrictModel, type Reduction } from './presolve.js';

/** Messages to and from highs-worker.mjs. */
interface HighsRequest {
  id: number;
  lp: string;
  options: Record<string, number | string | boolean>;
  /** MIP start by column name. */
  start?: Record<string, number>;
  /** Epoch ms after which the caller no longer waits: the worker skips the request. */
  deadline: number;
}

type HighsReply =
  /** status: a key of highs.constants.modelStatus ('optimal', 'timeLimit', 'infeasible', …). */
  { id: number; ok: true; status: string; primal: Record<string, number> } | { id: number; ok: false; error: string };

export type ExactOutcome =
  | { kind: 'solved'; x: Allocation; score: Score; optimal: boolean }
  | { kind: 'timeout' }
  | { kind: 'error'; message: string };

interface Pending {
  resolve: (highsReply: HighsReply) => void;
  reject: (error: Error) => void;
}

class TimeoutError extends Error {}

/** Synthetic solves `warmUpExactSolver()` runs by default. */
const WARM_UP_SOLVES = 24;

let worker: Worker | null = null;
let ready: Promise<Worker> | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();
/** Set by `warmUpExactSolverOnFirstUse()`: the warm-up the next request to HiGHS starts. */
let warmUpOnFirstUse: (() => void) | null = null;

function workerUrl(): URL {
  return new URL('./highs-worker.mjs', import.meta.url);
}

function failAll(error: Error): void {
  for (const item of pending.values()) item.reject(error);
  pending.clear();
}

function start(): Promise<Worker> {
  if (ready) return ready;
  ready = new Promise<Worker>((resolve, reject) => {
    const newWorker = new Worker(workerUrl());
    worker = newWorker;
    newWorker.on('message', (msg: HighsReply | { ready: true }) => {
      if ('ready' in msg) {
        newWorker.unref();
        resolve(newWorker);
        return;
      }
      const item = pending.get(msg.id);
      if (!item) return;
      pending.delete(msg.id);
      if (pending.size === 0) newWorker.unref();
      item.resolve(msg);
    });
    newWorker.on('error', (error) => {
      reject(error);
      failAll(error);
      if (worker === newWorker) reset();
    });
    newWorker.on('exit', (code) => {
      const error = new Error(`HiGHS worker exited with code ${code}`);
      reject(error);
      failAll(error);
      if (worker === newWorker) reset();
    });
  });
  return ready;
}

function reset(): void {
  worker = null;
  ready = null;
}

/**
 * Synthetic orders for the warm-up: 12 lines over 30 locations, warehouses carrying most SKUs
 * and stores a few, at most 3 shipments, a weighted promise — the shape of a routed order.
 * Solved unreduced so HiGHS runs its full MIP machinery (presolve, cuts, sub-MIPs).
 */
function warmUpModels(count: number): RoutingModel[] {
  let seed = 7;
  const rnd = (count: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % count;
  };
  return Array.from({ length: count }, (_, index) => {
    const lines = Array.from({ length: 12 }, (_, i) => ({
      sku: i,
      qty: 1 + rnd(3),
      minAlloc: index % 4 === 3 ? 2 : 1,
    }));
    const locs = Array.from({ length: 30 }, (_, loc) => {
      const warehouse = loc % 5 === 0;
      return {
        fixed: (warehouse ? 1249 : 1299) + 50 * rnd(3),
        days: (warehouse ? 2 : 3) + rnd(2),
        unit: lines.map(() => 30 + 10 * rnd(2)),
        stock: lines.map(() => (rnd(100) < (warehouse ? 60 : 10) ? 1 + rnd(warehouse ? 30 : 4) : 0)),
      };
    });
    return {
      lines,
      skuCount: 12,
      locs,
      promiseWeight: 300,
      maxShipments: 3,
      shipComplete: index % 5 === 4,
      keepLinesWhole: index % 6 === 5,
    };
  });
}

/**
 * Starts the worker, loads HiGHS and solves a few synthetic orders, so the first routed orders
 * pay neither for loading nor for V8's compilation of the WASM code. V8 compiles the solver's
 * hot functions in the background once they have run a while: until then a solve is several
 * times slower, and a cold one can stall for seconds (measured: the first of 60 solves took
 * 0.5–2.8 s; after this warm-up, the slowest took 24 ms). Call it at start-up; it takes a few
 * seconds of CPU, in the worker thread.
 */
export async function warmUpExactSolver(solves = WARM_UP_SOLVES): Promise<void> {
  const warming = await start();
  for (const warmUpModel of warmUpModels(solves)) {
    // shut down (or restarted) meanwhile: stop rather than start a thread again
    if (worker !== warming) return;
    const heuristicResult = solveHeuristic(warmUpModel);
    const milp = buildMilp(warmUpModel, { complete: heuristicResult.score.unfilled === 0 });
    if (!milp.hasVariables) continue;
    await request(milp.lp, 5000, milpStart(warmUpModel, milp, heuristicResult.x)).catch(() => undefined);
  }
}

/**
 * Warms the solver only once an order needs it: the first request to HiGHS starts its thread (a
 * model the presolve proves optimal never does), goes first, and the warm-up's solves follow it
 * in the background; `done` is called when they end. A process that never solves exactly never
 * holds the thread (~30 MB: its WebAssembly memory and compiled code).
 */
export function warmUpExactSolverOnFirstUse(done: (error?: unknown) => void): void {
  warmUpOnFirstUse = () => void warmUpExactSolver().then(() => done(), done);
}

/** Whether the solver's thread is running (started by a solve or a warm-up, until shut down). */
export function exactSolverRunning(): boolean {
  return worker !== null;
}

/** Terminates the worker; the next exact solve starts a new one. */
export async function shutdownExactSolver(): Promise<void> {
  warmUpOnFirstUse = null;
  const currentWorker = worker;
  reset();
  if (currentWorker) {
    failAll(new Error('HiGHS worker shut down'));
    await currentWorker.terminate();
  }
}

async function request(lp: string, timeLimitMs: number, initial?: Record<string, number>): Promise<HighsReply> {
  const value = await start();
  const id = nextId++;
  const req: HighsRequest = {
    id,
    lp,
    deadline: Date.now() + timeLimitMs,
    ...(initial ? { start: initial } : {}),
    options: {
      output_flag: false,
      // HiGHS stops itself a little before our hard deadline, so it usually answers in time.
      time_limit: Math.max(0.001, (timeLimitMs * 0.8) / 1000),
      mip_rel_gap: 0,
      mip_abs_gap: 1e-6,
      // Feasibility jump costs a fixed 30–100 ms per solve in this WASM build (measured: a
      // 2-variable MIP takes 0.5 ms without it); the heuristic's plan already gives a start.
      mip_heuristic_run_feasibility_jump: false,
    },
  };
  return new Promise<HighsReply>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new TimeoutError(`HiGHS did not answer within ${timeLimitMs} ms`));
      // HiGHS stops itself at its own time limit and the worker skips requests whose deadline
      // has passed, so a late worker catches up by itself. Restarting costs far more (loading
      // plus V8's WASM tier-up stall, seconds; measured: quick restarts made every later solve
      // time out). Only a worker silent for much longer is stuck: a blocked WASM solve cannot
      // be cancelled, so it is terminated.
      const kill = setTimeout(
        () => {
          if (worker !== value) return;
          reset();
          failAll(new TimeoutError('HiGHS worker restarted: it stopped answering'));
          void value.terminate();
        },
        Math.max(30_000, timeLimitMs * 10),
      );
      kill.unref();
      pending.set(id, { resolve: () => clearTimeout(kill), reject: () => clearTimeout(kill) });
    }, timeLimitMs);
    pending.set(id, {
      resolve: (highsReply) => {
        clearTimeout(timer);
        resolve(highsReply);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    value.ref();
    value.postMessage(req);
    // after this request's message, so the first order's solve is not queued behind the warm-up
    const warmUp = warmUpOnFirstUse;
    warmUpOnFirstUse = null;
    warmUp?.();
  });
}

export interface ExactOptions {
  /** Shrink the model and try the lower-bound proof first (default true). False solves the full model as written. */
  reduce?: boolean;
  /** Return a plan the presolve proves optimal without asking HiGHS (default true; false measures the HiGHS path). */
  prove?: boolean;
}

/**
 * Solves the model to optimality within `timeLimitMs` (measured once HiGHS is loaded). A
 * feasible `initial` allocation (the heuristic's) is passed as a MIP start, bounds the
 * presolve and may be proven optimal outright. The answer is checked against every
 * constraint before it is trusted.
 */
export async function solveExact(
  routingModel: RoutingModel,
  timeLimitMs: number,
  initial?: Allocation,
  options: ExactOptions = {},
): Promise<ExactOutcome> {
  const known =
    initial && violation(routingModel, initial) === null
      ? { x: initial, score: scoreOf(routingModel, initial) }
      : undefined;
  const all = routingModel.locs.map((_, l) => l);
  const red: Reduction =
    options.reduce === false
      ? { keep: all, complete: false, optimum: null, lowerBound: -Infinity }
      : reduceModel(routingModel, known);
  if (red.optimum && options.prove !== false && violation(routingModel, red.optimum.x) === null) {
    return { kind: 'solved', x: red.optimum.x.map((r) => r.slice()), score: red.optimum.score, optimal: true };
  }
  const sub = restrictModel(routingModel, red.keep);
  const milp = buildMilp(sub, { complete: red.complete });
  if (!milp.hasVariables) {
    const value = routingModel.locs.map(() => routingModel.lines.map(() => 0));
    return { kind: 'solved', x: value, score: scoreOf(routingModel, value), optimal: true };
  }
  let reply: HighsReply;
  try {
    const startX = known ? milpStart(sub, milp, restrictAllocation(known.x, red.keep)) : undefined;
    reply = await request(milp.lp, timeLimitMs, startX);
  } catch (error) {
    if (error instanceof TimeoutError) return { kind: 'timeout' };
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  if (!reply.ok) return { kind: 'error', message: reply.error };
  const hasSolution = Object.keys(reply.primal).length > 0;
  if (reply.status === 'timeLimit' && !hasSolution) return { kind: 'timeout' };
  if ((reply.status !== 'optimal' && reply.status !== 'timeLimit') || !hasSolution) {
    return { kind: 'error', message: `HiGHS status: ${reply.status}` };
  }
  const allocation = expandAllocation(routingModel, red.keep, readMilpSolution(sub, milp, reply.primal));
  const bad = violation(routingModel, allocation);
  if (bad) {
    return reply.status === 'optimal'
      ? { kind: 'error', message: `HiGHS answer rejected: ${bad}` }
      : { kind: 'timeout' };
  }
  return {
    kind: 'solved',
    x: allocation,
    score: scoreOf(routingModel, allocation),
    optimal: reply.status === 'optimal',
  };
}

/** The better of two answers; ties keep the first. */
export function pickBetter<T extends { score: Score }>(left: T, right: T): T {
  return compareScores(right.score, left.score) < 0 ? right : left;
}
