import { defineConfig } from "vitest/config";

// Two projects: suites inside workerd (the product's own runtime) and Node-side suites that drive
// `wrangler dev` like a user would. Both talk to real anvil nodes started by their setup.
export default defineConfig({
  test: {
    projects: ["./vitest.workers.config.ts", "./vitest.node.config.ts"],
  },
});
