/** `loadgen history` as a table: one line per run, newest first as the API lists them. */
import type { RunDetail } from "./report-html";
import { formatTable, type Cell } from "./table";

export type HistoryRun = RunDetail["run"];

const HEADER = ["id", "name", "status", "pattern", "type", "created (UTC)", "duration s", "target tps", "avg tps", "sent", "confirmed", "failed", "verified"];

function verified(verification: unknown): string {
  if (verification === null || verification === undefined) return "–";
  return (verification as { verified?: boolean }).verified ? "yes" : "NO";
}

export function historyRow(run: HistoryRun): Cell[] {
  const name = run.customName ?? run.name;
  return [
    run.id,
    name === null ? null : `${run.isFavorite ? "★ " : ""}${name}`,
    run.status,
    run.pattern,
    run.transactionType,
    new Date(run.createdAt).toISOString().slice(0, 19).replace("T", " "),
    run.durationMs === null ? null : Math.round(run.durationMs / 100) / 10,
    run.targetTps,
    run.averageTps,
    run.txSent,
    run.txConfirmed,
    run.txFailed,
    verified(run.verification),
  ];
}

export function historyTable(runs: readonly HistoryRun[], total: number, offset: number): string {
  if (runs.length === 0) return total === 0 ? "no runs yet" : `no runs at offset ${offset} (${total} in all)`;
  const shown = `runs ${offset + 1}–${offset + runs.length} of ${total}`;
  return `${formatTable(HEADER, runs.map(historyRow))}\n${shown}`;
}
