/** `loadgen history`: past runs as a table, newest first. */
import { Command, Option } from "commander";
import { apiOf, withConnection, type ConnectionOptions } from "../connection";
import { historyTable, type HistoryRun } from "../history-table";

interface HistoryPage {
  runs: HistoryRun[];
  total: number;
  limit: number;
  offset: number;
}

export function historyCommand(): Command {
  return withConnection(new Command("history").description("list past runs (GET /v1/history)"))
    .addOption(new Option("--limit <n>", "runs to show (the API allows 1–100)").default("20"))
    .addOption(new Option("--offset <n>", "runs to skip").default("0"))
    .option("--json", "print the API's page as JSON")
    .action(async (options: ConnectionOptions & { json?: boolean; limit: string; offset: string }) => {
      // Sent as given: the API checks them and names the one it refuses.
      const query = new URLSearchParams({ limit: options.limit, offset: options.offset });
      const page = await apiOf(options).get<HistoryPage>(`/v1/history?${query}`);
      process.stdout.write(options.json ? `${JSON.stringify(page, null, 2)}\n` : `${historyTable(page.runs, page.total, page.offset)}\n`);
    });
}
