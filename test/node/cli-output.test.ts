/** What the CLI prints: tables, the thresholds' outcome, the history, the live line's fields. */
import { describe, expect, it } from "vitest";
import { historyTable } from "../../cli/history-table";
import { progressPayload, secondsDone } from "../../cli/progress";
import { formatTable } from "../../cli/table";
import { thresholdTable } from "../../cli/threshold-table";
import { idleMetrics, type TestMetrics } from "../../src/metrics/test-metrics";
import { summaryTable } from "../../scripts/lib/report";
import { runRow } from "../support/run-row";

describe("formatTable", () => {
  it("pads columns, aligns numbers right (blanks allowed) and rules the header", () => {
    const table = formatTable(
      ["name", "sent", "note"],
      [
        ["a", 5, null],
        ["longer", 1234, "x"],
        ["b", undefined, "y"],
      ],
    );
    expect(table).toBe(["name    sent  note", "──────  ────  ────", "a          5  –", "longer  1234  x", "b          –  y"].join("\n"));
  });

  it("keeps a column with any text in it left-aligned", () => {
    expect(formatTable(["v"], [[1], ["two"]])).toBe(["v", "───", "1", "two"].join("\n"));
  });

  it("prints the header alone for no rows", () => {
    expect(formatTable(["id", "n"], [])).toBe("id  n\n──  ─");
  });
});

describe("thresholdTable", () => {
  it("shows each threshold's values and outcome, and counts the failures", () => {
    const table = thresholdTable([
      { expression: "txFailed==0", passed: true, actual: 0, limit: 0 },
      { expression: "averageTps>=0.95*targetTps", passed: false, actual: 4.4333333, limit: 4.75 },
      { expression: "byType.x.sent>1", passed: false, actual: null, limit: 1 },
    ]);
    expect(table.split("\n")).toEqual([
      "threshold                   actual    limit  result",
      "──────────────────────────  ────────  ─────  ──────",
      "txFailed==0                 0             0  held",
      "averageTps>=0.95*targetTps  4.43333    4.75  FAILED",
      "byType.x.sent>1             no value      1  FAILED",
      "2 of 3 thresholds FAILED",
    ]);
    expect(thresholdTable([{ expression: "txSent>0", passed: true, actual: 3, limit: 0 }])).toMatch(/all 1 thresholds held$/);
    expect(thresholdTable([])).toBe("no thresholds");
  });
});

describe("historyTable", () => {
  it("lists one line per run with its name, figures and verification, and the page it shows", () => {
    const lines = historyTable(
      [runRow(), runRow({ id: "6f1c0b8e-0000-4000-8000-000000000002", customName: "renamed", isFavorite: true, status: "error", durationMs: null, averageTps: null, verification: null }), runRow({ id: "6f1c0b8e-0000-4000-8000-000000000003", verification: { verified: false } })],
      12,
      3,
    ).split("\n");
    expect(lines[0]).toMatch(/^id\s+name\s+status\s+pattern\s+type\s+created \(UTC\)\s+duration s\s+target tps\s+avg tps\s+sent\s+confirmed\s+failed\s+verified$/);
    expect(lines[2]).toMatch(/^6f1c0b8e-0000-4000-8000-000000000001  demo\s+completed\s+constant\s+eth-transfer\s+2026-11-27 21:05:09\s+2\.9\s+5\s+4\.43\s+9\s+9\s+0\s+yes$/);
    expect(lines[3]).toMatch(/^6f1c0b8e-0000-4000-8000-000000000002  ★ renamed\s+error .*\s–\s+5\s+–\s+9\s+9\s+0\s+–$/);
    expect(lines[4]).toMatch(/000000000003 .* NO$/);
    expect(lines[5]).toBe("runs 4–6 of 12");
  });

  it("says so when there is nothing to list", () => {
    expect(historyTable([], 0, 0)).toBe("no runs yet");
    expect(historyTable([], 4, 20)).toBe("no runs at offset 20 (4 in all)");
  });
});

describe("progressPayload", () => {
  const metrics = (overrides: Partial<TestMetrics>): TestMetrics => ({ ...idleMetrics(), runId: "r", ...overrides });

  it("shows the init phase and no time done while initializing", () => {
    const m = metrics({ status: "initializing", initPhase: "funding_accounts" });
    expect(progressPayload(m, 30)).toMatchObject({ phase: "init: funding_accounts", left: "starting" });
    expect(secondsDone(m, 30)).toBe(0);
  });

  it("shows rate, counts, confirm p99 and the sending time left while running", () => {
    const m = metrics({ status: "running", elapsedMs: 12_400, currentTps: 97.46, targetTps: 100, txSent: 1200, txConfirmed: 1100, txPending: 95, txFailed: 5, confirmLatency: { ...idleMetrics().confirmLatency, p99: 812.6 } });
    expect(progressPayload(m, 30)).toEqual({ phase: "running", rate: "97.5", target: "100", sent: 1200, confirmed: 1100, pending: 95, failed: 5, p99: "813", left: "18s + verification" });
    expect(secondsDone(m, 30)).toBe(12);
    expect(progressPayload(metrics({ status: "running", elapsedMs: 31_000 }), 30).left).toBe("verification");
    expect(secondsDone(metrics({ status: "running", elapsedMs: 31_000 }), 30)).toBe(30);
  });

  it("shows the stop sequence, then the end", () => {
    expect(progressPayload(metrics({ status: "verifying" }), 30).left).toBe("verifying");
    expect(progressPayload(metrics({ status: "completed" }), 30).left).toBe("done");
    expect(secondsDone(metrics({ status: "stopped", elapsedMs: 4_000 }), 30)).toBe(30);
  });
});

describe("summaryTable", () => {
  const latency = (p50: number) => ({ ...idleMetrics().sendLatency, count: 3, p50, p90: p50, p99: p50, max: p50 });

  it("has no preconfirmation rows for a run that read no builder feed", () => {
    const table = summaryTable({ ...idleMetrics(), runId: "r", status: "completed", confirmLatency: latency(500) });
    expect(table).toContain("confirm latency");
    expect(table).not.toContain("preconf latency");
    expect(table).not.toContain("builder");
  });

  it("shows preconf latency and what the builder did for a run that read its feeds", () => {
    const feeds = {
      preconf: { lostEvents: 8, reconnects: 1 },
      blockMetrics: { blocks: 9, buildTimeMs: latency(2.3), reconnects: 0 },
      flashblocks: { reconnects: 0 },
    };
    const builder = { ours: { revoked: 80, dropped: 5, requeued: 4 }, feeds } as unknown as NonNullable<TestMetrics["builder"]>;
    const table = summaryTable({ ...idleMetrics(), runId: "r", status: "completed", preconfLatency: latency(32.8), confirmLatency: latency(573), builder });
    expect(table).toMatch(/preconf latency +│ p50 32\.8 · p90 32\.8 · p99 32\.8 · max 32\.8 ms/);
    expect(table).toMatch(/builder +│ 80 revoked · 5 dropped · 4 requeued · 9 blocks built \(p50 2\.3 ms\) · 8 feed events lost · 1 reconnects/);
  });
});
