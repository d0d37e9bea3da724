/**
 * Starts one real anvil (1 s blocks) for the workerd suites and a fault proxy in front of it. The
 * worker talks to the proxy (faults off unless a test switches them on); audits talk to anvil.
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
  }
}

export default async function setup(project: TestProject) {
  const anvil = await startAnvil({ blockTimeSec: 1 });
  const proxy = await startFaultProxy(anvil.url);
  project.provide("anvilUrl", anvil.url);
  project.provide("proxyUrl", proxy.url);
  project.provide("faultControlUrl", proxy.controlUrl);
  return async () => {
    // Fault scenarios report their figures; `npm run faults:table` renders them into the README.
    if (proxy.reports().length > 0) writeFileSync("bench/fault-scenarios.json", JSON.stringify(proxy.reports(), null, 2) + "\n");
    await proxy.close();
    await anvil.stop();
  };
}
