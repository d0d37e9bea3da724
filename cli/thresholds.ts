/**
 * Pass/fail criteria over a run's final TestMetrics, k6-style: `confirmLatency.p99<2000`,
 * `txFailed==0`, `averageTps>=0.95*targetTps`. The left side is a metric path; the right side a
 * number, a path, or a number times a path (either order).
 */
import type { TestMetrics } from "../src/metrics/test-metrics";
import { PATH, metricAt, metricPathProblem } from "./metric-path";

export const OPERATORS = ["<=", ">=", "==", "!=", "<", ">"] as const;
export type Operator = (typeof OPERATORS)[number];

/** The right side: `factor × path`, or the plain number `factor` when there is no path. */
export interface Bound {
  factor: number;
  path?: string;
}

export interface Threshold {
  expression: string;
  path: string;
  operator: Operator;
  bound: Bound;
}

export interface ThresholdResult {
  expression: string;
  passed: boolean;
  /** The left side's value (null: the run has no such value). */
  actual: number | null;
  /** The right side's value (null: the run has no such value). */
  limit: number | null;
}

export class ThresholdError extends Error {
  constructor(expression: string, why: string) {
    super(`threshold ${JSON.stringify(expression)}: ${why}`);
    this.name = "ThresholdError";
  }
}

const NUMBER = "-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?";
// Longest operators first, so `<=` is not read as `<` followed by `=…`.
const OPERATOR = OPERATORS.join("|");
const SHAPE = new RegExp(`^\\s*(${PATH})\\s*(${OPERATOR})\\s*(.*?)\\s*$`);
const PLAIN_NUMBER = new RegExp(`^${NUMBER}$`);
const PLAIN_PATH = new RegExp(`^${PATH}$`);
const NUMBER_TIMES_PATH = new RegExp(`^(${NUMBER})\\s*\\*\\s*(${PATH})$`);
const PATH_TIMES_NUMBER = new RegExp(`^(${PATH})\\s*\\*\\s*(${NUMBER})$`);

function parseBound(expression: string, text: string): Bound {
  if (text === "") throw new ThresholdError(expression, "nothing to compare with after the operator");
  if (PLAIN_NUMBER.test(text)) return { factor: Number(text) };
  if (PLAIN_PATH.test(text)) return { factor: 1, path: text };
  const numberFirst = NUMBER_TIMES_PATH.exec(text);
  if (numberFirst) return { factor: Number(numberFirst[1]), path: numberFirst[2] };
  const pathFirst = PATH_TIMES_NUMBER.exec(text);
  if (pathFirst) return { factor: Number(pathFirst[2]), path: pathFirst[1] };
  throw new ThresholdError(expression, `cannot read ${JSON.stringify(text)}: give a number, a metric path, or number*path`);
}

/** Reads one expression; throws ThresholdError naming it and what is wrong. */
export function parseThreshold(expression: string): Threshold {
  const shape = SHAPE.exec(expression);
  if (!shape) {
    const path = new RegExp(`^\\s*(${PATH})`).exec(expression)?.[1];
    const why = path
      ? `expected an operator (${OPERATORS.join(" ")}) after ${path}`
      : "expected a metric path such as confirmLatency.p99 on the left";
    throw new ThresholdError(expression, why);
  }
  const [, path, operator, right] = shape;
  const bound = parseBound(expression, right);
  for (const p of [path, bound.path]) {
    const problem = p === undefined ? undefined : metricPathProblem(p);
    if (problem) throw new ThresholdError(expression, problem);
  }
  return { expression: expression.trim(), path, operator: operator as Operator, bound };
}

export const parseThresholds = (expressions: readonly string[]): Threshold[] => expressions.map(parseThreshold);

function holds(actual: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case "<":
      return actual < limit;
    case "<=":
      return actual <= limit;
    case ">":
      return actual > limit;
    case ">=":
      return actual >= limit;
    case "==":
      return actual === limit;
    case "!=":
      return actual !== limit;
  }
}

/** A threshold over a value the run does not have fails: a criterion that cannot be checked is not met. */
export function evaluateThreshold(threshold: Threshold, metrics: TestMetrics): ThresholdResult {
  const actual = metricAt(metrics, threshold.path) ?? null;
  const { factor, path } = threshold.bound;
  const base = path === undefined ? 1 : metricAt(metrics, path);
  const limit = base === undefined ? null : factor * base;
  const passed = actual !== null && limit !== null && holds(actual, threshold.operator, limit);
  return { expression: threshold.expression, passed, actual, limit };
}

export const evaluateThresholds = (thresholds: readonly Threshold[], metrics: TestMetrics): ThresholdResult[] =>
  thresholds.map((t) => evaluateThreshold(t, metrics));
