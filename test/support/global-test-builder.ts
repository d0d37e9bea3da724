/**
 * Starts the test builder (test-builder.ts) in front of the project's anvil (global-anvil.ts runs
 * first and provides its URL), for suites whose worker reads builder feeds.
 */
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startTestBuilder } from "./test-builder";

declare module "vitest" {
  export interface ProvidedContext {
    builderRpcUrl: string;
    builderPreconfWsUrl: string;
    builderFlashblocksWsUrl: string;
    builderControlUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const builder = await startTestBuilder({ upstreamUrl: project.getProvidedContext().anvilUrl });
  project.provide("builderRpcUrl", builder.rpcUrl);
  project.provide("builderPreconfWsUrl", builder.preconfWsUrl);
  project.provide("builderFlashblocksWsUrl", builder.flashblocksWsUrl);
  project.provide("builderControlUrl", builder.controlUrl);
  return () => builder.close();
}
