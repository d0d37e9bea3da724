import { defineConfig } from "vitest/config";

// Three projects: suites inside workerd (the product's own runtime), one more inside a worker that
// holds API_TOKEN and funder secrets from the start (vitest.secrets.config.ts), and Node-side suites
// that drive `wrangler dev` like a user would. All talk to real anvil nodes started by their setup.
export default defineConfig({
  test: {
    projects: ["./vitest.workers.config.ts", "./vitest.secrets.config.ts", "./vitest.node.config.ts"],
  },
});
