/** Starts the stand-in builder feeds (feed-server.ts) for the workerd suites. */
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { startFeedServer } from "./feed-server";

declare module "vitest" {
  export interface ProvidedContext {
    feedServerUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startFeedServer();
  project.provide("feedServerUrl", server.url);
  return () => server.close();
}
