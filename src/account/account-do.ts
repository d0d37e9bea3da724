/**
 * AccountDO: one per sender account. A thin stateful shell around the nonce ledger and the sender
 * pipeline. Its key is derived from the configured secret and its index whenever the object
 * starts; only the index, chain and endpoint are stored.
 */
import { DurableObject } from "cloudflare:workers";
import type { LocalAccount } from "viem/accounts";
import { funderSource, type Env } from "../config";
import { fetchPendingNonce } from "../chain/node-queries";
import { JsonRpcClient } from "../chain/rpc";
import { builderFor } from "../tx/builders";
import { selfTransfer } from "../tx/eth-transfer";
import type { FeeQuote, TransactionType } from "../tx/types";
import { senderAccount } from "./keys";
import { NonceLedger, type LedgerSnapshot } from "./nonce-ledger";
import { lookUpTransactions, sendBurst, type BurstResult, type SenderDeps } from "./send-burst";

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
  private readonly ledger = new NonceLedger(this.ctx.storage.sql);
  private signer: LocalAccount | undefined;
  private rpc: JsonRpcClient | undefined;

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

  async burst(slice: BurstSlice): Promise<BurstResult> {
    return sendBurst(this.deps(slice.transactionType), slice.count, slice.fees);
  }

  /**
   * End of sending: resolve what is unknown, then close every nonce that was rolled back and never
   * reused with a 0-value self-transfer, so no later transaction of this account waits on a gap.
   */
  async settle(fees: FeeQuote): Promise<BurstResult> {
    const deps = this.deps("eth-transfer");
    await this.resolveUnknown(deps);
    const gaps = this.ledger.snapshot().free.length;
    return sendBurst({ ...deps, build: selfTransfer }, gaps, fees);
  }

  async ledgerSnapshot(): Promise<LedgerSnapshot> {
    return this.ledger.snapshot();
  }

  private async resolveUnknown(deps: SenderDeps): Promise<void> {
    if (!this.ledger.initialized) return;
    const unknown = this.ledger.unknownSlots();
    if (unknown.length === 0) return;
    const known = await lookUpTransactions(deps.rpc, unknown.map((u) => u.txHash));
    if (!known) return;
    unknown.forEach((slot, i) => {
      if (known[i]) this.ledger.commit(slot.nonce, slot.txHash);
      else this.ledger.rollback(slot.nonce);
    });
  }

  private deps(transactionType: TransactionType): SenderDeps {
    const setup = this.ctx.storage.kv.get<AccountSetup>(SETUP_KEY);
    if (!setup) throw new Error("account object used before prepare()");
    if (!this.signer || !this.rpc) {
      const source = funderSource(this.env, setup.chainId);
      if (!source) throw new Error("no funder secret configured for this chain");
      this.signer = senderAccount(source, setup.index);
      this.rpc = new JsonRpcClient(setup.rpcUrl);
    }
    return { ledger: this.ledger, signer: this.signer, rpc: this.rpc, chainId: setup.chainId, build: builderFor(transactionType) };
  }
}
