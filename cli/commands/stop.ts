/** `loadgen stop`: ask the active run to stop; it then goes through its stop sequence and verification. */
import { Command } from "commander";
import { apiOf, withConnection, type ConnectionOptions } from "../connection";

export function stopCommand(): Command {
  return withConnection(new Command("stop").description("stop the active run (POST /v1/stop); it is verified as it ends"))
    .option("--json", "print the API's answer as JSON")
    .action(async (options: ConnectionOptions & { json?: boolean }) => {
      const answer = await apiOf(options).post<{ status: string; runId: string }>("/v1/stop");
      process.stdout.write(options.json ? `${JSON.stringify(answer)}\n` : `stopping run ${answer.runId} (${answer.status}); \`loadgen status\` shows its verification\n`);
    });
}
