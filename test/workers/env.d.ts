import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../../src/config";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** anvil itself, for audits that must not go through the fault proxy. */
      TEST_ANVIL_URL: string;
      TEST_FAULTS_URL: string;
      /** An idle anvil whose chain id is not 31337 (test/support/global-anvil.ts OTHER_CHAIN_ID). */
      TEST_OTHER_CHAIN_URL: string;
      /** Stand-in builder feeds and /status (test/support/feed-server.ts). */
      TEST_FEED_SERVER_URL: string;
      /** The test builder's /control (the "builder" project only: test/support/global-test-builder.ts). */
      TEST_BUILDER_CONTROL_URL: string;
    }
  }
}
