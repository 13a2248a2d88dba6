import type { ParseResult } from '@marcbachmann/cel-js';
import { expressionLengthProblem, MAX_EXPRESSION_LENGTH } from '../domain/expressions/cel.js';
import { celEnvironment, readPaths } from './facts.js';

export interface CompiledExpr {
  text: string;
  run: ParseResult;
  /** Fact paths read, for the decision trace. */
  reads: string[];
  /** Decision tables referenced as decisions.<name>. */
  tables: string[];
  type: string;
}

export type CelProblemCode = 'CEL_SYNTAX' | 'CEL_TYPE' | 'CEL_LIMIT' | 'UNKNOWN_FACT';

export interface CelProblem {
  code: CelProblemCode;
  message: string;
  /** Offset inside the expression text. */
  offset: number;
}

export type CompileResult = { ok: true; expr: CompiledExpr } | { ok: false; problem: CelProblem };

/**
 * Parse and type-check a condition against the fact environment. Everything an analyst
 * can get wrong is reported with its position; nothing throws.
 */
export function compileCel(text: string, expect?: 'bool' | 'timestamp'): CompileResult {
  const tooLong = expressionLengthProblem(text);
  if (tooLong) return { ok: false, problem: { code: 'CEL_LIMIT', offset: MAX_EXPRESSION_LENGTH, message: tooLong } };
  const env = celEnvironment();
  let run: ParseResult;
  try {
    run = env.parse(text);
  } catch (error) {
    const pe = error as { code?: string; summary?: string; message: string; range?: { start: number } };
    const code: CelProblemCode = pe.code === 'limit_exceeded' ? 'CEL_LIMIT' : 'CEL_SYNTAX';
    return { ok: false, problem: { code, offset: pe.range?.start ?? 0, message: pe.summary ?? pe.message } };
  }
  const checked = run.check();
  if (!checked.valid) {
    const te = checked.error as unknown as {
      code?: string;
      summary?: string;
      message: string;
      range?: { start: number };
    };
    const unknown = te.code === 'unknown_variable' || te.code === 'no_such_key' || te.code === 'no_such_field';
    return {
      ok: false,
      problem: {
        code: unknown ? 'UNKNOWN_FACT' : 'CEL_TYPE',
        offset: te.range?.start ?? 0,
        message: te.summary ?? te.message,
      },
    };
  }
  const type = checked.type ?? 'dyn';
  if (expect === 'bool' && type !== 'bool' && type !== 'dyn') {
    return {
      ok: false,
      problem: { code: 'CEL_TYPE', offset: 0, message: `a condition must be bool, this expression is ${type}` },
    };
  }
  if (expect === 'timestamp' && !/Timestamp|dyn/.test(type)) {
    return {
      ok: false,
      problem: { code: 'CEL_TYPE', offset: 0, message: `a deadline must be a timestamp, this expression is ${type}` },
    };
  }
  const reads = readPaths(run.ast);
  const tables = reads.filter((p) => p.startsWith('decisions.')).map((p) => p.split('.')[1]!);
  return { ok: true, expr: { text, run, reads, tables, type } };
}
