import { nodeProject } from "./vitest.node.config.ts";

// `wrangler dev` killed and started again mid-run, stops and resets during funding, and transient
// faults, each against its own `wrangler dev`: a minute and a half, run by `npm run test:scenarios`.
export default nodeProject("node-scenarios", ["test/node-scenarios/**/*.test.ts"]);
