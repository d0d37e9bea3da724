/**
 * `npm start`: keeps anvil and the worker (scripts/dev-worker.ts) running for interactive use. With BUILDER_RPC_URL
 * set in the environment, no anvil is started and the worker points at that endpoint instead.
 */
import { startLocalStack } from "./lib/local-stack";

const stack = await startLocalStack({ rpcUrl: process.env.BUILDER_RPC_URL });
console.log(`UI    ${stack.apiUrl}/   (the dashboard)`);
console.log(`API   ${stack.apiUrl}   (try: curl ${stack.apiUrl}/v1/ready)`);
console.log(`chain ${stack.rpcUrl}${stack.anvil ? " (embedded anvil, 1 s blocks)" : ""}`);
console.log(`state ${stack.dev.persistDir}   (D1 and Durable Objects; removed when stopped)`);
console.log("Ctrl-C to stop.");
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
