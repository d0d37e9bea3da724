/**
 * Starts one real anvil (1 s blocks) for the workerd suites and a fault proxy in front of it. The
 * worker talks to the proxy (faults off unless a test switches them on); audits talk to anvil.
 * A second, idle anvil answers with another chain id: the chain a deployed worker would drive,
 * where the access rules differ from the dev chain's (PRODUCT.md §10).
 */
import { writeFileSync } from "node:fs";
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startAnvil } from "../../scripts/lib/anvil";
import { startFaultProxy } from "./fault-proxy";

declare module "vitest" {
  export interface ProvidedContext {
    anvilUrl: string;
    proxyUrl: string;
    faultControlUrl: string;
    otherChainUrl: string;
  }
}

/** Not 31337: Base Sepolia's id, a staging chain like those a deployed worker is pointed at. */
export const OTHER_CHAIN_ID = 84532;

export default async function setup(project: TestProject) {
  const anvil = await startAnvil({ blockTimeSec: 1 });
  // Idle (hourly blocks): the suites only ask it for its chain id.
  const otherChain = await startAnvil({ blockTimeSec: 3600, chainId: OTHER_CHAIN_ID });
  const proxy = await startFaultProxy(anvil.url);
  project.provide("anvilUrl", anvil.url);
  project.provide("proxyUrl", proxy.url);
  project.provide("faultControlUrl", proxy.controlUrl);
  project.provide("otherChainUrl", otherChain.url);
  return async () => {
    // Fault scenarios report their figures; `npm run faults:table` renders them into the README.
    if (proxy.reports().length > 0) writeFileSync("bench/fault-scenarios.json", JSON.stringify(proxy.reports(), null, 2) + "\n");
    await proxy.close();
    await anvil.stop();
    await otherChain.stop();
  };
}
