/**
 * Error classification: the one place that turns a node's wording or an HTTP status into an error
 * class. The classes drive the TestMetrics `errors` counts, and two of them decide what happens
 * to a nonce ("already-known" counts as sent, "nonce-too-low" sends the sender to ask the node),
 * so a wording that lands in the wrong class miscounts errors or mishandles a nonce.
 */
import { describe, expect, it } from "vitest";
import { classifyHttpStatus, classifyRpcMessage, type SendErrorClass } from "../../src/errors";
import { RPC_ERROR_BODIES } from "./fixtures/rpc-error-bodies";
import { rpcUrl } from "./helpers";

/** Messages as the clients word them (formats from their sources; anvil's checked against anvil). */
const WORDINGS: ReadonlyArray<[client: string, message: string, expected: SendErrorClass]> = [
  // nonce too low
  ["reth", "nonce too low: next nonce 5, tx nonce 3", "nonce-too-low"],
  ["geth", "nonce too low: address 0x71562b71999873DB5b286dF957af199Ec94617F7, tx: 0 state: 1", "nonce-too-low"],
  ["anvil", "nonce too low", "nonce-too-low"],
  ["besu", "Nonce too low", "nonce-too-low"],
  ["nethermind", "OldNonce, Current nonce: 5, nonce of rejected tx: 3", "nonce-too-low"],
  // nonce too high
  ["geth/reth", "nonce too high", "nonce-too-high"],
  ["nethermind", "NonceGap, Future nonce. Expected nonce: 5", "nonce-too-high"],
  // already known: the node has the transaction, which counts as sent
  ["geth/reth", "already known", "already-known"],
  ["anvil", "transaction already imported", "already-known"],
  ["besu", "Known transaction", "already-known"],
  ["nethermind", "AlreadyKnown", "already-known"],
  // replacement: must not fall into the generic "underpriced"
  ["geth/reth/anvil", "replacement transaction underpriced", "replacement-underpriced"],
  ["besu", "Replacement transaction underpriced", "replacement-underpriced"],
  // underpriced
  ["geth/reth", "transaction underpriced", "underpriced"],
  ["geth", "transaction gas price below minimum: gas tip cap 0, minimum needed 1000000000", "underpriced"],
  ["geth/reth/anvil", "max fee per gas less than block base fee", "underpriced"],
  ["geth", "max fee per gas less than block base fee: address 0x71562b71999873DB5b286dF957af199Ec94617F7, maxFeePerGas: 1, baseFee: 875000000", "underpriced"],
  ["geth (older)", "fee cap less than block base fee: address 0x71562b71999873DB5b286dF957af199Ec94617F7, gasFeeCap: 1 baseFee: 7", "underpriced"],
  ["besu", "Gas price below configured minimum gas price", "underpriced"],
  ["nethermind", "FeeTooLow, MaxFeePerGas too low. MaxFeePerGas: 1, BaseFee: 7, MaxPriorityFeePerGas:1, Block number: 10", "underpriced"],
  // insufficient funds
  ["geth", "insufficient funds for gas * price + value: address 0x71562b71999873DB5b286dF957af199Ec94617F7 have 0 want 21000000000000", "insufficient-funds"],
  ["reth", "insufficient funds for gas * price + value: have 0 want 21000000000000", "insufficient-funds"],
  ["anvil", "Insufficient funds for gas * price + value", "insufficient-funds"],
  ["reth", "insufficient funds for transfer", "insufficient-funds"],
  ["nethermind", "InsufficientFunds, Account balance: 0, cumulative cost: 21000", "insufficient-funds"],
  // gas limit
  ["geth/reth/anvil", "intrinsic gas too low", "gas-limit"],
  ["geth", "intrinsic gas too low: have 20000, want 21000", "gas-limit"],
  ["geth", "exceeds block gas limit", "gas-limit"],
  ["reth", "gas limit too high", "gas-limit"],
  ["besu", "Transaction gas limit exceeds block gas limit", "gas-limit"],
  // transport-ish wordings inside a JSON-RPC error
  ["provider", "rate limit exceeded", "rate-limited"],
  ["provider", "429 Too Many Requests", "rate-limited"],
  ["provider", "request timed out", "timeout"],
  ["provider", "upstream timeout", "timeout"],
];

describe("classifyRpcMessage", () => {
  it.each(WORDINGS)("%s: %j → %s", (_client, message, expected) => {
    expect(classifyRpcMessage(message)).toBe(expected);
  });

  it("puts text it does not recognize in `unknown`", () => {
    for (const message of ["", "execution reverted", "invalid sender", "something odd happened"]) {
      expect(classifyRpcMessage(message), JSON.stringify(message)).toBe("unknown");
    }
  });

  it("does not read anvil's \"Unknown transaction type\" as a known transaction (which would count as sent)", () => {
    // foundry-rs/foundry crates/anvil/src/eth/error.rs BlockchainError::UnknownTransactionType
    expect(classifyRpcMessage("Unknown transaction type not supported")).toBe("unknown");
  });

  it("classifies a gas limit above the block's as gas-limit in anvil's and reth's wording too", () => {
    // geth says "exceeds block gas limit" (gas-limit above). anvil and reth report the same
    // condition, tx gas limit > block gas limit, as "intrinsic gas too high" (the anvil text is
    // verbatim what this repo's anvil 1.7.1 answers). Both should land in the same class.
    expect(classifyRpcMessage("intrinsic gas too high -- tx.gas_limit > env.block.gas_limit")).toBe("gas-limit"); // anvil
    expect(classifyRpcMessage("intrinsic gas too high")).toBe("gas-limit"); // reth GasTooHigh
  });

  it("classifies besu's insufficient-funds wording, as the module's comment claims besu is covered", () => {
    expect(classifyRpcMessage("Upfront cost exceeds account balance")).toBe("insufficient-funds");
  });
});

describe("classifyRpcMessage on each client's eth_sendRawTransaction error bodies", () => {
  // One test per body in fixtures/rpc-error-bodies.ts (sources are named there). The class comes
  // from the message alone, as src/chain/rpc.ts reads it.
  for (const { client, body, expected } of RPC_ERROR_BODIES) {
    it(`${client}: ${JSON.stringify(body.error.message)} → ${expected}`, () => {
      expect(body.jsonrpc).toBe("2.0");
      expect(Number.isInteger(body.error.code)).toBe(true);
      expect(classifyRpcMessage(body.error.message)).toBe(expected);
    });
  }

  it("has a body for every class each client can answer, and for every class a JSON-RPC error can carry", () => {
    const classes = (client: string) => new Set(RPC_ERROR_BODIES.filter((f) => f.client === client).map((f) => f.expected));
    const poolClasses: SendErrorClass[] = ["nonce-too-low", "already-known", "underpriced", "replacement-underpriced", "insufficient-funds", "gas-limit", "unknown"];
    for (const client of ["anvil", "geth", "reth", "erigon", "nethermind", "besu"]) {
      for (const errorClass of poolClasses) expect(classes(client), `${client} ${errorClass}`).toContain(errorClass);
    }
    // Clients that reject a nonce gap at submission (anvil and erigon queue it instead).
    for (const client of ["geth", "reth", "nethermind", "besu"]) expect(classes(client), client).toContain("nonce-too-high");
    expect(classes("gateway")).toEqual(new Set(["rate-limited"]));
    expect(RPC_ERROR_BODIES.some((f) => f.expected === "timeout")).toBe(true);
  });
});

describe("classifyRpcMessage on the test anvil's own answers", () => {
  // Transactions that anvil rejects at submission: nothing reaches the pool or the chain, so the
  // shared anvil is left as it was. Sent from anvil's unlocked dev account 9, which no test funds from.
  const DEV_9 = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";

  async function rejection(tx: Record<string, string>): Promise<string> {
    const response = await fetch(rpcUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendTransaction", params: [{ from: DEV_9, to: DEV_9, ...tx }] }),
    });
    const body = (await response.json()) as { result?: string; error?: { message: string } };
    if (!body.error) throw new Error(`anvil accepted a transaction meant to be rejected: ${body.result}`);
    return body.error.message;
  }

  it.each([
    ["a value beyond the balance", { value: "0xffffffffffffffffffffffffffffffff" }, "insufficient-funds"],
    ["a gas limit below 21000", { gas: "0x4e20" }, "gas-limit"],
    // anvil's base fee never drops below 7 wei, so a 0 fee cap is always below it.
    ["a fee cap below the base fee", { maxFeePerGas: "0x0", maxPriorityFeePerGas: "0x0" }, "underpriced"],
  ] as const)("%s", async (_what, tx, expected) => {
    const message = await rejection(tx);
    expect(classifyRpcMessage(message), message).toBe(expected);
  });
});

describe("classifyHttpStatus", () => {
  it.each([
    [429, "rate-limited"],
    [503, "unavailable"],
    [502, "unavailable"],
    [500, "unavailable"],
    [504, "timeout"],
    [408, "timeout"],
    // A redirect is never followed (it would re-POST signed transactions elsewhere): unusable answer.
    [307, "bad-response"],
    [308, "bad-response"],
    [301, "bad-response"],
    [302, "bad-response"],
  ] as const)("HTTP %i → %s", (status, expected) => {
    expect(classifyHttpStatus(status)).toBe(expected);
  });
});
