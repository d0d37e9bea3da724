/**
 * The live charts' data: one point per feed message while a run sends or settles, in columns as
 * uPlot takes them. Pure: tested in Node.
 *
 * TestMetrics carries counters and whole-run latency summaries; the sent rate is derived here from
 * the counter (over the last second of messages), the confirmed rate is the feed's own currentTps.
 */
import type { TestMetrics } from "./types";

/** Ten minutes of 200 ms messages: older points scroll away (the run page has the whole run). */
export const MAX_POINTS = 3_000;
const RATE_WINDOW_MS = 1_000;
const CHARTED: ReadonlyArray<TestMetrics["status"]> = ["running", "verifying"];

export const LIVE_COLUMNS = ["t", "target", "sent", "confirmed", "sendP50", "sendP99", "confirmP50", "confirmP99", "pending", "fill"] as const;
export type LiveColumn = (typeof LIVE_COLUMNS)[number];

export class LiveSeries {
  runId: string | null = null;
  readonly columns: Record<LiveColumn, number[]> = emptyColumns();
  /** Recent (time, txSent) pairs for the sent rate. */
  private recent: Array<{ at: number; sent: number }> = [];

  /** Adds the message's point (a new run starts the series again); false when it adds none. */
  add(m: TestMetrics, receivedAt: number): boolean {
    if (m.runId !== this.runId) this.reset(m.runId);
    if (!CHARTED.includes(m.status)) return false;
    this.recent.push({ at: receivedAt, sent: m.txSent });
    while (this.recent.length > 2 && this.recent[1].at <= receivedAt - RATE_WINDOW_MS) this.recent.shift();
    const from = this.recent[0];
    const sentRate = receivedAt > from.at ? ((m.txSent - from.sent) * 1000) / (receivedAt - from.at) : 0;
    const point: Record<LiveColumn, number> = {
      t: receivedAt / 1000,
      target: m.status === "running" ? m.targetTps : 0,
      sent: round(sentRate),
      confirmed: m.currentTps,
      sendP50: m.sendLatency.p50,
      sendP99: m.sendLatency.p99,
      confirmP50: m.confirmLatency.p50,
      confirmP99: m.confirmLatency.p99,
      pending: m.txPending,
      fill: m.fillRate,
    };
    for (const column of LIVE_COLUMNS) {
      this.columns[column].push(point[column]);
      if (this.columns[column].length > MAX_POINTS) this.columns[column].shift();
    }
    return true;
  }

  /** uPlot's data for a chart of these columns. */
  data(...series: LiveColumn[]): number[][] {
    return [this.columns.t, ...series.map((s) => this.columns[s])];
  }

  private reset(runId: string | null): void {
    this.runId = runId;
    this.recent = [];
    for (const column of LIVE_COLUMNS) this.columns[column] = [];
  }
}

function emptyColumns(): Record<LiveColumn, number[]> {
  return Object.fromEntries(LIVE_COLUMNS.map((c) => [c, []])) as unknown as Record<LiveColumn, number[]>;
}

const round = (v: number) => Math.round(v * 100) / 100;
