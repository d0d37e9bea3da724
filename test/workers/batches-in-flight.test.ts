/**
 * Several send batches in flight per account object (`batchesInFlight`), against an endpoint made
 * slow by the real proxy: one object at a time waits a whole round trip per batch, several keep the
 * rate. Batches sent together may reach the node out of nonce order (the proxy's jitter makes later
 * ones overtake); anvil holds the early ones as future nonces, and the audit must still find
 * nothing lost.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { apiJson, auditChain, blockNumber, expectNothingLost, faultStats, resetFaultStats, setFaults, stopLiveRun, waitForRun } from "./helpers";

const RATE = 300;
const DURATION_SEC = 4;
/** Every send waits 300–600 ms at the proxy, in random order: a round trip far longer than a tick. */
const SLOW = { delay: 1, delayMs: 300, delayJitterMs: 300, seed: 7 };

async function slowRun(batchesInFlight: number): Promise<{ metrics: TestMetrics; maxSendsInFlight: number }> {
  const fromBlock = await blockNumber();
  await setFaults(SLOW);
  await resetFaultStats();
  const { status, body } = await apiJson("/v1/start", {
    method: "POST",
    json: { pattern: "constant", constantRate: RATE, durationSec: DURATION_SEC, numAccounts: 1, batchesInFlight, name: `batches-in-flight-${batchesInFlight}` },
  });
  expect(status).toBe(200);
  const metrics = await waitForRun(body.runId, undefined, 120_000);
  const { maxSendsInFlight } = await faultStats();
  await setFaults({});
  await expectNothingLost(metrics, await auditChain(fromBlock));
  console.log(`batchesInFlight ${batchesInFlight}: sent ${metrics.txSent} of ${RATE * DURATION_SEC}, at most ${maxSendsInFlight} send batches open at once`);
  return { metrics, maxSendsInFlight };
}

describe("send batches in flight per account object", () => {
  afterEach(async () => {
    await setFaults({});
    await stopLiveRun();
  });

  it("one at a time against a slow endpoint: never two batches open, and the rate falls to what one round trip allows", async () => {
    const one = await slowRun(1);
    expect(one.maxSendsInFlight).toBe(1);
    const six = await slowRun(6);
    // Several open at once, never more than asked for (the proxy counts what reaches it).
    expect(six.maxSendsInFlight).toBeGreaterThanOrEqual(2);
    expect(six.maxSendsInFlight).toBeLessThanOrEqual(6);
    // The same account, endpoint and target: what one object sends is bound by its round trips.
    expect(six.metrics.txSent).toBeGreaterThan(1.3 * one.metrics.txSent);
  });

  it("refuses a value outside 1..6, naming the field", async () => {
    for (const batchesInFlight of [0, 7, 2.5]) {
      const { status, body } = await apiJson("/v1/start", { method: "POST", json: { pattern: "constant", constantRate: 10, durationSec: 1, batchesInFlight } });
      expect(status).toBe(400);
      expect(JSON.stringify(body)).toContain("batchesInFlight");
    }
  });
});
