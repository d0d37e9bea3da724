/** The thresholds' outcome under the summary: each expression, the values compared, and whether it held. */
import { formatTable } from "./table";
import type { ThresholdResult } from "./thresholds";

const figure = (n: number | null) => (n === null ? "no value" : Number.isInteger(n) ? n : Number(n.toPrecision(6)));

export function thresholdTable(results: readonly ThresholdResult[]): string {
  if (results.length === 0) return "no thresholds";
  const failed = results.filter((r) => !r.passed).length;
  const rows = results.map((r) => [r.expression, figure(r.actual), figure(r.limit), r.passed ? "held" : "FAILED"]);
  return `${formatTable(["threshold", "actual", "limit", "result"], rows)}\n${failed === 0 ? `all ${results.length} thresholds held` : `${failed} of ${results.length} thresholds FAILED`}`;
}
