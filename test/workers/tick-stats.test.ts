/** The coordinator's tick figures: durations, and intervals from the second tick on. */
import { describe, expect, it } from "vitest";
import { newTickStats, recordTick, tickView } from "../../src/run/tick-stats";

describe("tick stats", () => {
  it("records each tick's duration, and the interval between tick starts", () => {
    const stats = newTickStats();
    expect(tickView(undefined)).toBeNull();
    recordTick(stats, 1_000, 1_030);
    recordTick(stats, 1_200, 1_250);
    recordTick(stats, 1_450, 1_460);
    const view = tickView(JSON.parse(JSON.stringify(stats)))!;
    expect(view.durationMs).toMatchObject({ count: 3, min: 10, max: 50 });
    expect(view.intervalMs).toMatchObject({ count: 2, min: 200, max: 250 });
  });
});
