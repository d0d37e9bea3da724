/** `loadgen status`: the live or last run: one line while it runs, the summary table once it ended. */
import { Command } from "commander";
import { progressLine, summaryTable } from "../../scripts/lib/report";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { apiOf, withConnection, type ConnectionOptions } from "../connection";
import { TERMINAL } from "../follow";

export function statusCommand(): Command {
  return withConnection(new Command("status").description("show the live or last run (GET /v1/status)"))
    .option("--json", "print the TestMetrics as JSON")
    .action(async (options: ConnectionOptions & { json?: boolean }) => {
      const m = await apiOf(options).get<TestMetrics>("/v1/status");
      if (options.json) process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
      else if (m.runId === null) process.stdout.write("no run yet\n");
      else process.stdout.write(`${TERMINAL.has(m.status) ? summaryTable(m) : `run ${m.runId}\n${progressLine(m)}`}\n`);
    });
}
