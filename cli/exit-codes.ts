/**
 * What `loadgen run` exits with (PRODUCT.md §14, k6's convention): 0 the run completed, verified,
 * and every threshold held; 99 a threshold failed; 1 the run did not complete or verify (stopped,
 * errored), the API refused it, or the command line was wrong. A failed run outranks its thresholds.
 */
import type { TestMetrics } from "../src/metrics/test-metrics";
import { runVerified } from "../scripts/lib/report";
import type { ThresholdResult } from "./thresholds";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_THRESHOLDS = 99;

export function runExitCode(final: TestMetrics, results: readonly ThresholdResult[]): number {
  if (!runVerified(final)) return EXIT_FAILED;
  return results.every((r) => r.passed) ? EXIT_OK : EXIT_THRESHOLDS;
}
