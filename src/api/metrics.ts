/** GET /metrics: the latest run in the Prometheus text format (PRODUCT.md §14), for scrapers. */
import { Hono } from "hono";
import type { Env } from "../config";
import { renderPrometheus } from "../metrics/prometheus";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/prometheus-text";
import { latestRunMetrics } from "./latest-run";
import { noQuery } from "./schemas";
import { parseQuery } from "./validate";

export const metricsRoutes = new Hono<{ Bindings: Env }>();

metricsRoutes.get("/metrics", async (c) => {
  parseQuery(c, noQuery);
  const { metrics } = await latestRunMetrics(c.env);
  return c.body(renderPrometheus(metrics), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
});
