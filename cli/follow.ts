/** Following a run through `GET /v1/status` until it ends (completed, stopped or error, after its verification). */
import type { TestMetrics } from "../src/metrics/test-metrics";
import { ApiRefusal, type Api } from "./api";

export const TERMINAL = new Set<TestMetrics["status"]>(["completed", "stopped", "error"]);

/** Polls missed in a row before giving up: a saturated local worker may answer late, a dead one never. */
const MAX_MISSED = 5;

export async function followRun(api: Api, runId: string, onTick: (m: TestMetrics) => void, pollMs = 1000): Promise<TestMetrics> {
  let missed = 0;
  for (;;) {
    try {
      const metrics = await api.get<TestMetrics>("/v1/status");
      missed = 0;
      // Until the coordinator answers for the new run, the status may still show the previous one.
      if (metrics.runId === runId) {
        onTick(metrics);
        if (TERMINAL.has(metrics.status)) return metrics;
      }
    } catch (err) {
      // A refusal (a wrong token, a route gone) will not mend itself by asking again.
      if ((err instanceof ApiRefusal && err.status < 500) || ++missed >= MAX_MISSED) throw err;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
