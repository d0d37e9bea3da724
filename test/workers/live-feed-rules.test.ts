/** The live feed's pure parts: which push reaches the viewers (feed-rules.ts), and the coordinator's one-at-a-time sender (latest-only.ts). */
import { describe, expect, it } from "vitest";
import { admit, type FeedLatest } from "../../src/live/feed-rules";
import { LatestOnly } from "../../src/live/latest-only";
import { idleMetrics, type TestMetrics } from "../../src/metrics/test-metrics";

const metrics = (fields: Partial<TestMetrics>): TestMetrics => ({ ...idleMetrics(), runId: "run-a", status: "running", ...fields });

describe("admit", () => {
  it("takes the first push and keeps it in storage", () => {
    const admitted = admit(undefined, { at: 10, metrics: metrics({ txSent: 1 }) });
    expect(admitted).toEqual({ latest: { at: 10, runId: "run-a", status: "running", json: JSON.stringify(metrics({ txSent: 1 })) }, persist: true });
  });

  it("sends a newer picture of the same run and status from memory only", () => {
    const current = admit(undefined, { at: 10, metrics: metrics({ txSent: 1 }) })!.latest;
    const next = admit(current, { at: 11, metrics: metrics({ txSent: 2 }) });
    expect(next?.latest.at).toBe(11);
    expect(next?.persist).toBe(false);
  });

  it("keeps a new status or a new run in storage", () => {
    const current = admit(undefined, { at: 10, metrics: metrics({}) })!.latest;
    expect(admit(current, { at: 11, metrics: metrics({ status: "verifying" }) })?.persist).toBe(true);
    expect(admit(current, { at: 11, metrics: metrics({ runId: "run-b" }) })?.persist).toBe(true);
  });

  it("drops a picture older than the latest, and the same picture again", () => {
    const current: FeedLatest = admit(undefined, { at: 10, metrics: metrics({ txSent: 5 }) })!.latest;
    expect(admit(current, { at: 9, metrics: metrics({ runId: "old-run", status: "completed" }) })).toBeNull();
    expect(admit(current, { at: 12, metrics: metrics({ txSent: 5 }) })).toBeNull();
    // The same instant is not older: a coordinator's last tick and its end may share a clock reading.
    expect(admit(current, { at: 10, metrics: metrics({ status: "completed" }) })).not.toBeNull();
  });
});

/** A send that answers when the test says so. */
function controlledSend() {
  const sent: number[] = [];
  const answers: Array<(fail?: Error) => void> = [];
  const send = (value: number) => {
    sent.push(value);
    return new Promise<void>((resolve, reject) => answers.push((fail) => (fail ? reject(fail) : resolve())));
  };
  return { sent, send, answer: (fail?: Error) => answers.shift()!(fail) };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("LatestOnly", () => {
  it("sends one value at a time, and of those offered meanwhile only the newest", async () => {
    const { sent, send, answer } = controlledSend();
    const sender = new LatestOnly(send, () => {});
    sender.offer(async () => 1);
    await settle();
    sender.offer(async () => 2);
    sender.offer(async () => 3);
    await settle();
    expect(sent).toEqual([1]);
    answer();
    await settle();
    expect(sent).toEqual([1, 3]);
    answer();
    await settle();
    sender.offer(async () => 4);
    await settle();
    expect(sent).toEqual([1, 3, 4]);
  });

  it("builds a value only when it leaves", async () => {
    const { sent, send, answer } = controlledSend();
    let figure = 1;
    const sender = new LatestOnly(send, () => {});
    sender.offer(async () => figure);
    await settle();
    sender.offer(async () => figure);
    figure = 7;
    answer();
    await settle();
    expect(sent).toEqual([1, 7]);
  });

  it("reports a failed send or build, skips null, and goes on", async () => {
    const { sent, send, answer } = controlledSend();
    const errors: string[] = [];
    const sender = new LatestOnly(send, (err) => errors.push((err as Error).message));
    sender.offer(async () => 1);
    await settle();
    sender.offer(async () => 2);
    answer(new Error("feed down"));
    await settle();
    expect(errors).toEqual(["feed down"]);
    expect(sent).toEqual([1, 2]);
    answer();
    await settle();
    sender.offer(() => Promise.reject(new Error("no figures")));
    await settle();
    sender.offer(async () => null);
    await settle();
    sender.offer(async () => 5);
    await settle();
    expect(errors).toEqual(["feed down", "no figures"]);
    expect(sent).toEqual([1, 2, 5]);
  });
});
