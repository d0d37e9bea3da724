/** `loadgen`: the load generator's API from a terminal or a pipeline (PRODUCT.md §14). */
import { Command } from "commander";
import { historyCommand } from "./commands/history";
import { reportCommand } from "./commands/report";
import { runCommand } from "./commands/run";
import { statusCommand } from "./commands/status";
import { stopCommand } from "./commands/stop";
import { EXIT_FAILED } from "./exit-codes";

const program = new Command("loadgen")
  .description("drive an edge-loadgen worker over its HTTP API")
  .addCommand(runCommand())
  .addCommand(statusCommand())
  .addCommand(stopCommand())
  .addCommand(historyCommand())
  .addCommand(reportCommand());

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Refusals, unreachable APIs, malformed thresholds: one line that says what, then exit 1.
  process.stderr.write(`loadgen: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = EXIT_FAILED;
}
