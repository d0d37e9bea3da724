import { defineConfig } from "vitest/config";

// Long chain scenarios, apart from `npm test` (which keeps to its 15-minute budget on 2 cores):
// `npm run test:scenarios`. CI runs both. Same workerd project shape, anvil and fault proxy; the
// builder-feed runs go through the test builder, in a project of their own; and `wrangler dev`
// restarted mid-run, in Node.
export default defineConfig({
  test: {
    projects: ["./vitest.scenarios-project.config.ts", "./vitest.builder-project.config.ts", "./vitest.node-scenarios-project.config.ts"],
  },
});
