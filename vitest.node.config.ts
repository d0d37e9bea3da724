import { defineProject } from "vitest/config";

/** Suites in Node that drive `wrangler dev` (or the CLI, a browser, a test builder) as a user would. */
export function nodeProject(name: string, include: string[]) {
  return defineProject({
    test: {
      name,
      environment: "node",
      include,
      testTimeout: 180_000,
      hookTimeout: 120_000,
    },
  });
}

export default nodeProject("node", ["test/node/**/*.test.ts"]);
