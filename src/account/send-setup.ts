/**
 * An account's own set-up before a run (wrap ETH, approve the router): sent through its ledger
 * like any transaction, so its nonces stay whole, then awaited until mined. Not load: the run's
 * ledger starts after them.
 */
import { waitForReceipts } from "../chain/wait";
import { eip1559Fees } from "../tx/fees";
import type { FeeQuote } from "../tx/types";
import type { SetupCall } from "./prepare-workload";
import { sendBurst, type SenderDeps } from "./send-burst";

const SETUP_MINING_TIMEOUT_MS = 60_000;

export async function sendSetup(deps: SenderDeps, calls: SetupCall[], fees: FeeQuote): Promise<void> {
  if (calls.length === 0) return;
  let next = 0;
  const result = await sendBurst(
    {
      ...deps,
      build: (ctx) => {
        const call = calls[next++];
        return { tx: { type: "eip1559", chainId: ctx.chainId, nonce: ctx.nonce, to: call.to, data: call.data, value: call.value, gas: call.gas, ...eip1559Fees(ctx.fees) } };
      },
    },
    calls.length,
    fees,
  );
  if (result.failed.length > 0) throw new Error(`set-up of ${deps.signer.address} refused: ${result.failed[0].errorClass}: ${result.failed[0].message}`);
  const hashes = result.sent.map((t) => t.hash);
  const receipts = await waitForReceipts(deps.rpc, hashes, SETUP_MINING_TIMEOUT_MS);
  const bad = hashes.filter((h) => receipts.get(h)?.status !== "0x1");
  if (bad.length > 0) throw new Error(`set-up of ${deps.signer.address}: ${bad.length} of ${hashes.length} transactions not mined successfully`);
}
