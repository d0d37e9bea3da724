/**
 * AccountDO: one per sender account. A thin stateful shell around the nonce ledger and the sender
 * pipeline. Its key is derived from the configured secret and its index whenever the object
 * starts; only the index, chain and endpoint are stored.
 */
import { DurableObject } from "cloudflare:workers";
import type { LocalAccount } from "viem/accounts";
import { funderSource, readConfig, type Env } from "../config";
import { fetchPendingNonce } from "../chain/node-queries";
import { JsonRpcClient } from "../chain/rpc";
import { builderFor } from "../tx/builders";
import { selfTransfer } from "../tx/eth-transfer";
import type { FeeQuote, TransactionType } from "../tx/types";
import { senderAccount } from "./keys";
import { NonceLedger, type LedgerSnapshot } from "./nonce-ledger";
import { emptyBurst, lookUpTransactions, mergeBursts as merge, sendBurst, type BurstResult, type SenderDeps } from "./send-burst";
import { rebroadcastRaw, replaceStuck } from "./stuck-transactions";

export interface AccountSetup {
  index: number;
  chainId: number;
  rpcUrl: string;
}

export interface BurstSlice {
  count: number;
  transactionType: TransactionType;
  fees: FeeQuote;
}

const SETUP_KEY = "setup";

export class AccountDO extends DurableObject<Env> {
  private readonly ledger: NonceLedger;
  private signer: LocalAccount | undefined;
  private rpc: JsonRpcClient | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.ledger = new NonceLedger(ctx.storage.sql);
    // A new instance has no send under way: reservations left by a dead one were never signed.
    this.ledger.releaseOrphans();
  }

  /** Binds the object to a sender index and endpoint; returns the sender's address. */
  async prepare(setup: AccountSetup): Promise<{ address: string }> {
    this.ctx.storage.kv.put(SETUP_KEY, setup);
    this.signer = undefined;
    this.rpc = undefined;
    return { address: this.deps("eth-transfer").signer.address };
  }

  /**
   * Starts the ledger over from the node's pending nonce. Outcomes left unknown by an earlier run
   * are resolved first, so a transaction the node holds is never signed over.
   */
  async syncNonce(): Promise<{ address: string; nonce: number }> {
    const deps = this.deps("eth-transfer");
    await this.resolveUnknown(deps);
    const nonce = await fetchPendingNonce(deps.rpc, deps.signer.address);
    this.ledger.reset(nonce);
    return { address: deps.signer.address, nonce };
  }

  /**
   * Sends `count` transactions. Outcomes left unknown by an earlier burst (the node could not even
   * be asked) are settled first, so a nonce the node never got is reused before the gap grows.
   */
  async burst(slice: BurstSlice): Promise<BurstResult> {
    const deps = this.deps(slice.transactionType);
    const recovered = await this.resolveUnknown(deps);
    return merge(recovered, await sendBurst(deps, slice.count, slice.fees));
  }

  /**
   * After a burst whose answer the coordinator never got (the object restarted, the call broke):
   * asks the node about every transaction still `unknown` and reports what it found.
   */
  async recover(): Promise<BurstResult> {
    const recovered = await this.resolveUnknown(this.deps("eth-transfer"));
    // Answers committed before the call broke were lost with it: report every sent transaction
    // again; the coordinator counts each hash once.
    const sent = this.ledger.sentTransactions().map((s) => ({ hash: s.txHash, nonce: s.nonce, sentAt: s.sentAt ?? Date.now() }));
    return { ...recovered, sent: [...recovered.sent, ...sent] };
  }

  /** Sends these nonces' transactions again, byte for byte: the node lost them or sits on them. */
  async rebroadcast(nonces: number[]): Promise<BurstResult> {
    return rebroadcastRaw(this.deps("eth-transfer"), this.ledger.sentSlots(nonces).map((s) => s.raw!));
  }

  /** Replaces stuck transactions at their nonces with a fee bump (same payload). */
  async replace(nonces: number[], fees: FeeQuote): Promise<BurstResult> {
    return replaceStuck(this.deps("eth-transfer"), this.ledger.sentSlots(nonces), fees);
  }

  /**
   * End of a run: what was not mined within the grace period gives its nonce to a 0-value
   * self-transfer with a fee bump, so the account has no hole or pending transaction left behind.
   */
  async close(nonces: number[], fees: FeeQuote): Promise<BurstResult> {
    return replaceStuck(this.deps("eth-transfer"), this.ledger.sentSlots(nonces), fees, selfTransfer);
  }

  /**
   * Resync (circuit breaker): asks the node for the pending nonce. Above the ledger, something else
   * used nonces and the ledger moves up; below it, the node lost transactions it had accepted, and
   * they are sent again unchanged — never re-signed, so never two transactions for one nonce.
   */
  async resync(): Promise<BurstResult> {
    const deps = this.deps("eth-transfer");
    const recovered = await this.resolveUnknown(deps);
    const nodeNonce = await fetchPendingNonce(deps.rpc, deps.signer.address);
    const next = this.ledger.next();
    if (nodeNonce >= next) {
      this.ledger.raiseFloor(nodeNonce);
      return recovered;
    }
    const lost = Array.from({ length: next - nodeNonce }, (_, i) => nodeNonce + i);
    return merge(recovered, await this.rebroadcast(lost));
  }

  /**
   * End of sending: resolve what is unknown, then close every nonce that was rolled back and never
   * reused with a 0-value self-transfer, so no later transaction of this account waits on a gap.
   */
  async settle(fees: FeeQuote): Promise<BurstResult & { clean: boolean }> {
    const deps = this.deps("eth-transfer");
    const recovered = await this.resolveUnknown(deps);
    const gaps = this.ledger.snapshot().free.length;
    const result = merge(recovered, await sendBurst({ ...deps, build: selfTransfer }, gaps, fees));
    // Clean: nothing left to resolve or to fill. Otherwise the coordinator asks again next tick.
    const after = this.ledger.snapshot();
    return { ...result, clean: after.free.length === 0 && after.unknown.length === 0 };
  }

  async ledgerSnapshot(): Promise<LedgerSnapshot> {
    return this.ledger.snapshot();
  }

  private async resolveUnknown(deps: SenderDeps): Promise<BurstResult> {
    const result = emptyBurst(deps.signer.address);
    if (!this.ledger.initialized) return result;
    const unknown = this.ledger.unknownSlots();
    if (unknown.length === 0) return result;
    const known = await lookUpTransactions(deps.rpc, unknown.map((u) => u.txHash));
    if (!known) return result;
    unknown.forEach((slot, i) => {
      if (!this.ledger.resolve(slot.nonce, slot.txHash, known[i])) return;
      const tx = { hash: slot.txHash, nonce: slot.nonce, sentAt: slot.sentAt ?? Date.now() };
      if (known[i]) result.sent.push(tx);
      else result.failed.push({ ...tx, errorClass: "unknown", message: "the node does not have the transaction" });
    });
    return result;
  }

  private deps(transactionType: TransactionType): SenderDeps {
    const setup = this.ctx.storage.kv.get<AccountSetup>(SETUP_KEY);
    if (!setup) throw new Error("account object used before prepare()");
    if (!this.signer || !this.rpc) {
      const source = funderSource(this.env, setup.chainId);
      if (!source) throw new Error("no funder secret configured for this chain");
      this.signer = senderAccount(source, setup.index);
      this.rpc = new JsonRpcClient(setup.rpcUrl, undefined, { maxResponseBytes: readConfig(this.env).rpcMaxResponseBytes });
    }
    return { ledger: this.ledger, signer: this.signer, rpc: this.rpc, chainId: setup.chainId, build: builderFor(transactionType) };
  }
}
