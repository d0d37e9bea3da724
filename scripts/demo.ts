/**
 * `npm run demo`: a real burst against an embedded anvil. Starts anvil and `wrangler dev`, runs a
 * constant run (200 tps for 20 s by default), prints progress each second and a summary, shuts
 * everything down. Exits 0 only if the run completed and the chain verified it.
 *
 *   npm run demo -- --rate 300 --duration 30 --accounts 40
 */
import { parseArgs } from "node:util";
import { followRun, startRun } from "./lib/client";
import { startLocalStack } from "./lib/local-stack";
import { progressLine, runVerified, summaryTable } from "./lib/report";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    duration: { type: "string", default: "20" },
    accounts: { type: "string", default: "0" },
  },
});

console.log("starting anvil and wrangler dev…");
const stack = await startLocalStack();
let exitCode = 1;
const shutdown = async () => {
  await stack.stop();
  process.exit(exitCode);
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);

try {
  console.log(`anvil ${stack.rpcUrl} · API ${stack.apiUrl}`);
  const runId = await startRun(stack.apiUrl, {
    pattern: "constant",
    durationSec: Number(values.duration),
    constantRate: Number(values.rate),
    numAccounts: Number(values.accounts),
    transactionType: "eth-transfer",
    name: "demo",
  });
  console.log(`run ${runId} started`);
  const final = await followRun(stack.apiUrl, runId, (m) => console.log(progressLine(m)));
  console.log(summaryTable(final));
  exitCode = runVerified(final) ? 0 : 1;
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
} finally {
  await shutdown();
}
