import { workersProject } from "./vitest.workers.config.ts";

/**
 * A worker deployed as PRODUCT.md §10 means it: API_TOKEN and the funder secrets set, each to a
 * value its suite can recognise wherever it might surface (test/workers-secrets). Its own anvil:
 * it funds its own funder key and runs beside the "workers" project.
 */
export default workersProject("workers-secrets", ["test/workers-secrets/**/*.test.ts"], {
  bindings: {
    API_TOKEN: "canary-token-9b1f4e7a2c6d",
    // "5ec2e7" ("secret") over and over: a valid key nobody else uses.
    FUNDER_PRIVATE_KEY: `0x${"5ec2e7".repeat(10)}5ec2`,
    // BIP-39 test vectors: valid, and not the dev mnemonic.
    FUNDER_MNEMONIC: "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
    ACCOUNTS_MNEMONIC: "legal winner thank year wave sausage worth useful legal winner thank yellow",
  },
});
