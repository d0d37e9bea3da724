/** Starts one real anvil (1 s blocks) for the workerd suites and hands its URL to the pool. */
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startAnvil } from "../../scripts/lib/anvil";

declare module "vitest" {
  export interface ProvidedContext {
    anvilUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const anvil = await startAnvil({ blockTimeSec: 1 });
  project.provide("anvilUrl", anvil.url);
  return () => anvil.stop();
}
