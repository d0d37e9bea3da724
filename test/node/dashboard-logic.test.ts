/**
 * The dashboard's pure parts, in Node: the run form built from the API's own request schema, the
 * live chart series, the CSV export, the compare alignment and the routes.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builderFigures } from "../../dashboard/builder-figures";
import { toCsv } from "../../dashboard/export";
import { change } from "../../dashboard/format";
import { PATTERN_FIELDS, appliesTo, buildRequest, formFields, labelOf, type FormField, type JsonSchema } from "../../dashboard/form-model";
import { LiveSeries, MAX_POINTS } from "../../dashboard/live-series";
import { parseRoute } from "../../dashboard/routes";
import { alignRuns, runColumns } from "../../dashboard/run-series";
import type { TestMetrics, TimeSeriesRow } from "../../dashboard/types";
import { PATTERNS, startTestRequest } from "../../src/api/schemas";
import { idleMetrics } from "../../src/metrics/test-metrics";

const schema = z.toJSONSchema(startTestRequest, { io: "input" }) as JsonSchema;
const fields = formFields(schema);
const flat = (fs: FormField[]): FormField[] => fs.flatMap((f) => [f, ...flat(f.children)]);
const byPath = (path: string) => flat(fields).find((f) => f.path === path)!;

describe("the run form's model", () => {
  it("names a field group for every pattern the API takes, and only fields the request has", () => {
    expect(Object.keys(PATTERN_FIELDS).sort()).toEqual([...PATTERNS].sort());
    const properties = Object.keys(schema.properties!);
    for (const field of Object.values(PATTERN_FIELDS).flat()) expect(properties).toContain(field);
  });

  it("shows each field with the patterns it belongs to, and the shared ones always", () => {
    expect(byPath("durationSec").patterns).toEqual([]);
    expect(byPath("constantRate").patterns).toEqual(["constant"]);
    expect(byPath("adaptiveTargetPending").patterns).toEqual(["adaptive", "adaptive-realistic"]);
    // A group's fields go with the group.
    expect(byPath("realisticConfig.txTypeRatios.ethTransfer").patterns).toEqual(["realistic", "adaptive-realistic"]);
    expect(appliesTo(byPath("rampEnd"), "ramp")).toBe(true);
    expect(appliesTo(byPath("rampEnd"), "constant")).toBe(false);
  });

  it("offers the schema's choices and bounds", () => {
    expect(byPath("pattern")).toMatchObject({ kind: "choice", schema: { enum: [...PATTERNS] } });
    expect(byPath("regions")).toMatchObject({ kind: "choices" });
    expect(byPath("durationSec")).toMatchObject({ kind: "number", schema: { type: "integer", minimum: 1, maximum: 3600 } });
    // A record keyed by region is one number per region.
    expect(byPath("regionWeights").children.map((f) => f.path)).toContain("regionWeights.weur");
    expect(byPath("regionWeights.weur").kind).toBe("number");
  });

  it("builds the request of the chosen pattern only, with numbers as numbers and empty inputs left out", () => {
    const values = { pattern: "constant", durationSec: "30", numAccounts: "", constantRate: "50", rampStart: "10", name: " nightly ", regions: ["weur", "enam"], "regionWeights.weur": "2", "circuitBreaker.failureRate": "" };
    expect(buildRequest(fields, values, "constant")).toEqual({ pattern: "constant", durationSec: 30, constantRate: 50, name: "nightly", regions: ["weur", "enam"], regionWeights: { weur: 2 } });
  });

  it("nests the realistic workload and leaves empty groups out", () => {
    const values = { pattern: "realistic", durationSec: "10", constantRate: "50", "realisticConfig.targetTps": "80", "realisticConfig.tipDistribution": "uniform", "realisticConfig.txTypeRatios.ethTransfer": "60", "realisticConfig.txTypeRatios.erc20Transfer": "40" };
    expect(buildRequest(fields, values, "realistic")).toEqual({
      pattern: "realistic",
      durationSec: 10,
      realisticConfig: { targetTps: 80, tipDistribution: "uniform", txTypeRatios: { ethTransfer: 60, erc20Transfer: 40 } },
    });
  });

  it("sends what is not a number as typed, so the API names the field", () => {
    expect(buildRequest(fields, { pattern: "constant", durationSec: "ten", constantRate: "5" }, "constant")).toMatchObject({ durationSec: "ten" });
    expect(startTestRequest.safeParse(buildRequest(fields, { pattern: "constant", durationSec: "ten", constantRate: "5" }, "constant")).error?.issues[0].path).toEqual(["durationSec"]);
  });

  it("labels fields with their unit", () => {
    expect(labelOf("durationSec")).toBe("Duration (s)");
    expect(labelOf("burstWindowMs")).toBe("Burst window (ms)");
    expect(labelOf("realisticConfig.minTipGwei")).toBe("Min tip (gwei)");
    expect(labelOf("constantRate")).toBe("Rate (tx/s)");
  });
});

const message = (fields: Partial<TestMetrics>): TestMetrics => ({ ...idleMetrics(), runId: "r1", status: "running", ...fields });

describe("LiveSeries", () => {
  it("adds a point per message while the run sends or settles, with the sent rate over the last second", () => {
    const series = new LiveSeries();
    expect(series.add(message({ status: "initializing" }), 0)).toBe(false);
    for (let i = 0; i <= 10; i++) series.add(message({ txSent: i * 4, targetTps: 20, currentTps: 15 }), 1_000 + i * 200);
    expect(series.columns.t).toHaveLength(11);
    expect(series.columns.t[0]).toBe(1);
    // 4 transactions per 200 ms: 20 tx/s once a second of messages is there.
    expect(series.columns.sent.at(-1)).toBe(20);
    expect(series.columns.confirmed.at(-1)).toBe(15);
    expect(series.data("target", "sent")).toEqual([series.columns.t, series.columns.target, series.columns.sent]);
    // The target is 0 once sending ended; a finished run adds nothing.
    series.add(message({ status: "verifying", txSent: 40, targetTps: 20 }), 3_400);
    expect(series.columns.target.at(-1)).toBe(0);
    expect(series.add(message({ status: "completed" }), 3_600)).toBe(false);
  });

  it("starts again for a new run, and keeps at most MAX_POINTS", () => {
    const series = new LiveSeries();
    for (let i = 0; i < MAX_POINTS + 5; i++) series.add(message({ txSent: i }), i * 200);
    expect(series.columns.t).toHaveLength(MAX_POINTS);
    expect(series.columns.t[0]).toBe(1);
    series.add(message({ runId: "r2" }), 10_000_000);
    expect(series.columns.t).toEqual([10_000]);
  });
});

describe("exports and comparisons", () => {
  it("writes RFC 4180 CSV", () => {
    expect(toCsv([{ a: 1, b: "x,y" }, { a: null, b: 'say "hi"' }])).toBe('a,b\r\n1,"x,y"\r\n,"say ""hi"""\r\n');
    expect(toCsv([], ["a"])).toBe("a\r\n");
  });

  const row = (second: number, txConfirmed: number): TimeSeriesRow => ({ runId: "r", second, txSent: 0, txConfirmed, txFailed: 0, currentTps: 0, targetTps: 0, pending: 0, gasUsed: "0", mgasPerSec: 0, fillRate: 0, preconfP50Ms: null, builtBlocks: null, builtTxCount: null, buildTimeMs: null });

  it("puts two runs on one axis of seconds, with gaps where one has no row", () => {
    expect(alignRuns([row(0, 5), row(1, 6)], [row(1, 7), row(2, 8)], (r) => r.txConfirmed)).toEqual([[0, 1, 2], [5, 6, null], [null, 7, 8]]);
    expect(runColumns([row(1, 6), row(0, 5)]).txConfirmed).toEqual([5, 6]);
  });

  it("states the second run against the first in percent", () => {
    expect(change(100, 150)).toBe("+50 %");
    expect(change(200, 100)).toBe("-50 %");
    expect(change(0, 5)).toBe("–");
    expect(change(null, 5)).toBe("–");
  });
});

describe("routes", () => {
  const id = "0b3c2f7e-1f2a-4c3d-9e8f-0123456789ab";
  const other = "1b3c2f7e-1f2a-4c3d-9e8f-0123456789ab";
  it("reads the hash", () => {
    expect(parseRoute("")).toEqual({ name: "live" });
    expect(parseRoute("#/")).toEqual({ name: "live" });
    expect(parseRoute("#/history")).toEqual({ name: "history" });
    expect(parseRoute(`#/run/${id}`)).toEqual({ name: "run", id });
    expect(parseRoute(`#/compare/${id}/${other}`)).toEqual({ name: "compare", a: id, b: other });
    expect(parseRoute("#/run/../../v1/stop")).toEqual({ name: "unknown", hash: "#/run/../../v1/stop" });
  });
});

describe("the builder feeds' figures", () => {
  it("are none for a run that read no feed, so its page looks as it always did", () => {
    expect(builderFigures(idleMetrics())).toEqual([]);
  });

  it("read preconf latency, what the builder did with the run's transactions, and how its feeds held up", () => {
    const latency = (p50: number, p99: number) => ({ ...idleMetrics().preconfLatency, count: 10, p50, p99 });
    const builder = {
      ours: { revoked: 80, dropped: 5, requeued: 4, byFlashblockIndex: { "10": 1, "2": 58, "0": 54, "64+": 3 } },
      feeds: {
        preconf: { lostEvents: 8, reconnects: 1 },
        blockMetrics: { blocks: 9, buildTimeMs: latency(2.3, 3), reconnects: 1 },
        flashblocks: { reconnects: 1 },
      },
    } as unknown as NonNullable<TestMetrics["builder"]>;
    expect(builderFigures({ builder, preconfLatency: latency(32.8, 76) })).toEqual([
      ["preconf p50 / p99", "33 ms / 76 ms"],
      ["revoked / dropped / requeued", "80 / 5 / 4"],
      ["blocks built (build p50)", "9 (2 ms)"],
      ["first flashblock index", "0: 54 · 2: 58 · 10: 1 · 64+: 3"],
      ["feed events lost / reconnects", "8 / 3"],
    ]);
  });
});
