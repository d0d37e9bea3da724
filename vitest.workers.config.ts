import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import type { ProvidedContext } from "vitest";
import { defineProject } from "vitest/config";

type Inject = <K extends keyof ProvidedContext>(key: K) => ProvidedContext[K];

export interface ProjectOptions {
  /**
   * Added to the common bindings (and replacing them): secrets the worker holds from the start, as
   * `wrangler secret put` would give them, or URLs a project's own global setup provides.
   */
  bindings?: Record<string, string> | ((inject: Inject) => Record<string, string>);
  /** Global setups run after the common ones (they may read what those provided). */
  globalSetup?: string[];
}

/** A project of suites inside workerd, each with its own anvil, fault proxy and Miniflare (so its own bindings). */
export function workersProject(name: string, include: string[], options: ProjectOptions = {}) {
  return defineProject(async () => {
    const migrations = await readD1Migrations("./migrations");
    return {
      plugins: [
        cloudflareTest(({ inject }) => ({
          main: "./src/index.ts",
          wrangler: { configPath: "./wrangler.toml" },
          miniflare: {
            bindings: {
              TEST_MIGRATIONS: migrations,
              BUILDER_RPC_URL: inject("proxyUrl"),
              L2_RPC_URL: inject("proxyUrl"),
              TEST_ANVIL_URL: inject("anvilUrl"),
              TEST_FAULTS_URL: inject("faultControlUrl"),
              TEST_OTHER_CHAIN_URL: inject("otherChainUrl"),
              TEST_FEED_SERVER_URL: inject("feedServerUrl"),
              // Nudge stuck transactions sooner than in production, so short runs show all of it.
              STUCK_AFTER_BLOCKS: "3",
              REBROADCASTS_BEFORE_REPLACE: "1",
              ...(typeof options.bindings === "function" ? options.bindings(inject) : options.bindings),
            },
          },
        })),
      ],
      test: {
        name,
        include,
        // The feed server is a stand-in builder's WebSockets and /status: one idle HTTP server, cheap.
        globalSetup: ["./test/support/global-anvil.ts", "./test/support/global-feed-server.ts", ...(options.globalSetup ?? [])],
        setupFiles: ["./test/workers/setup.ts"],
        // Every file shares one anvil and the same derived senders: run files one after another.
        fileParallelism: false,
        testTimeout: 120_000,
        hookTimeout: 60_000,
      },
    };
  });
}

export default workersProject("workers", ["test/workers/**/*.test.ts"]);
