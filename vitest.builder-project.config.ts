import { workersProject } from "./vitest.workers.config.ts";

/**
 * Runs through a builder that speaks the feeds (test/support/test-builder.ts, in front of this
 * project's own anvil): the worker sends to it, reads its preconfirmation, block-metrics and
 * flashblock feeds, and snapshots its /status. Layer op-reth, the one with every feed.
 */
export default workersProject("builder", ["test/builder/**/*.test.ts"], {
  globalSetup: ["./test/support/global-test-builder.ts"],
  bindings: (inject) => ({
    EXECUTION_LAYER: "op-reth",
    BUILDER_RPC_URL: inject("builderRpcUrl"),
    L2_RPC_URL: inject("builderRpcUrl"),
    PRECONF_WS_URL: inject("builderPreconfWsUrl"),
    FLASHBLOCKS_WS_URL: inject("builderFlashblocksWsUrl"),
    TEST_BUILDER_CONTROL_URL: inject("builderControlUrl"),
  }),
});
