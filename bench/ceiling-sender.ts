/**
 * The baseline: the simplest fast sender there is. Pre-signed eth transfers from many funded
 * accounts, blasted at the node as JSON-RPC batches over a few connections. Signing is done
 * before the clock starts, so this measures what the node can ingest from one client. Its CPU time
 * while sending is the whole process's: nothing else may run in it meanwhile.
 */
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { jsonRpc } from "../scripts/lib/json-rpc";

export interface CeilingResult {
  transactions: number;
  accounts: number;
  sendSeconds: number;
  acceptedTps: number;
  includedSeconds: number;
  includedTps: number;
  rejected: number;
  /** This process's user + system CPU time while sending (signing done before), per transaction. */
  cpuUsPerTx: number;
}

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

export async function measureCeiling(rpcUrl: string, accounts: number, perAccount: number, batchSize = 200, connections = 6): Promise<CeilingResult> {
  const chainId = Number(await jsonRpc<string>(rpcUrl, "eth_chainId"));
  const gasPrice = BigInt(await jsonRpc<string>(rpcUrl, "eth_gasPrice"));
  const senders = Array.from({ length: accounts }, () => privateKeyToAccount(generatePrivateKey()));
  for (const s of senders) await jsonRpc(rpcUrl, "anvil_setBalance", [s.address, hex(10n ** 21n)]);

  // Nonce-major order: each batch carries the next nonce of many accounts.
  const raw: string[] = [];
  for (let nonce = 0; nonce < perAccount; nonce++) {
    raw.push(
      ...(await Promise.all(
        senders.map((s) =>
          s.signTransaction({
            type: "eip1559",
            chainId,
            nonce,
            to: "0x000000000000000000000000000000000000dEaD",
            value: 1n,
            gas: 21_000n,
            maxFeePerGas: gasPrice * 4n,
            maxPriorityFeePerGas: 1_000_000_000n,
          }),
        ),
      )),
    );
  }
  const batches: string[][] = [];
  for (let i = 0; i < raw.length; i += batchSize) batches.push(raw.slice(i, i + batchSize));

  let rejected = 0;
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        const response = await fetch(rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(batch.map((tx, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [tx] }))),
        });
        const answers = (await response.json()) as Array<{ error?: unknown }>;
        rejected += answers.filter((a) => a.error).length;
      }
    }),
  );
  const sendSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);

  const last = senders[senders.length - 1].address;
  while (Number(await jsonRpc<string>(rpcUrl, "eth_getTransactionCount", [last, "latest"])) < perAccount) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const includedSeconds = (performance.now() - started) / 1000;
  const transactions = raw.length;
  return {
    transactions,
    accounts,
    sendSeconds: round(sendSeconds),
    acceptedTps: round((transactions - rejected) / sendSeconds),
    includedSeconds: round(includedSeconds),
    includedTps: round((transactions - rejected) / includedSeconds),
    rejected,
    cpuUsPerTx: round((cpu.user + cpu.system) / transactions),
  };
}

const round = (v: number) => Math.round(v * 100) / 100;
