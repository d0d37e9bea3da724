/**
 * `npm run demo`: a real burst against an embedded anvil. Starts anvil and `wrangler dev`, runs a
 * constant run (200 tps for 20 s by default), prints progress each second and a summary, shuts
 * everything down. Exits 0 only if the run completed and the chain verified it.
 *
 *   npm run demo -- --rate 300 --duration 30 --accounts 40
 *   npm run demo -- --type uniswap-swap
 *   npm run demo -- --pattern realistic --rate 100
 */
import { parseArgs } from "node:util";
import { followRun, startRun } from "./lib/client";
import { demoRequest } from "./lib/demo-request";
import { startLocalStack } from "./lib/local-stack";
import { progressLine, runVerified, summaryTable } from "./lib/report";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    duration: { type: "string", default: "20" },
    accounts: { type: "string", default: "0" },
    type: { type: "string", default: "eth-transfer" },
    pattern: { type: "string", default: "constant" },
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
  const runId = await startRun(
    stack.apiUrl,
    demoRequest({ rate: Number(values.rate), duration: Number(values.duration), accounts: Number(values.accounts), type: values.type, pattern: values.pattern }),
  );
  console.log(`run ${runId} started`);
  const final = await followRun(stack.apiUrl, runId, (m) => console.log(progressLine(m)));
  console.log(summaryTable(final));
  exitCode = runVerified(final) ? 0 : 1;
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
} finally {
  await shutdown();
}
