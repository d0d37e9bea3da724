/**
 * Dotted paths into TestMetrics (`confirmLatency.p99`, `byType.eth-transfer.confirmed`): checked
 * against the shape of the metrics before a run starts, and read as numbers after it ends.
 */
import { idleMetrics, type TestMetrics } from "../src/metrics/test-metrics";

/** A segment is a field name or a record key; keys such as transaction types contain hyphens. */
export const SEGMENT = "[A-Za-z_][A-Za-z0-9_-]*";
export const PATH = `${SEGMENT}(?:\\.${SEGMENT})*`;

/**
 * Records of counts per class: a class that never occurred is absent, and counts 0. Elsewhere an
 * absent value is no value at all (a type the run did not send, a figure not measured yet).
 */
const COUNT_RECORDS = new Set(["errors", "retries"]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Why `path` cannot name a number of TestMetrics, or undefined when it can. The idle metrics give
 * the shape: a fixed object must have the field; a null or an empty record in that shape (the
 * verification, per-type and per-region figures) is filled only by a run, so any key below it passes.
 */
export function metricPathProblem(path: string): string | undefined {
  let node: unknown = idleMetrics();
  const segments = path.split(".");
  for (const [i, segment] of segments.entries()) {
    const here = segments.slice(0, i).join(".");
    if (node === null || (isRecord(node) && Object.keys(node).length === 0)) return undefined;
    if (!isRecord(node)) return `${here} is a single value: it has no field ${segment}`;
    if (!(segment in node)) return `TestMetrics has no ${here ? `${here}.` : ""}${segment} (known: ${Object.keys(node).join(", ")})`;
    node = node[segment];
  }
  if (isRecord(node) && Object.keys(node).length > 0) return `${path} is an object, not a number (pick one of ${Object.keys(node).map((k) => `${path}.${k}`).join(", ")})`;
  if (typeof node === "string" && !Number.isFinite(Number(node))) return `${path} is text, not a number`;
  return undefined;
}

/** The number at `path` (numeric strings such as `totalGasUsed` and booleans as 1/0 count), or undefined. */
export function metricAt(metrics: TestMetrics, path: string): number | undefined {
  const segments = path.split(".");
  let node: unknown = metrics;
  for (const [i, segment] of segments.entries()) {
    if (!isRecord(node)) return undefined;
    if (!(segment in node)) return i === 1 && COUNT_RECORDS.has(segments[0]) ? 0 : undefined;
    node = node[segment];
  }
  if (typeof node === "number") return Number.isFinite(node) ? node : undefined;
  if (typeof node === "boolean") return node ? 1 : 0;
  if (typeof node === "string" && node.trim() !== "" && Number.isFinite(Number(node))) return Number(node);
  return undefined;
}
