/**
 * `npm run faults:table`: renders bench/fault-scenarios.json — written by the fault-scenario suite
 * of `npm test` — into the README between the fault-table markers. No figure is typed by hand.
 */
import { readFileSync, writeFileSync } from "node:fs";

interface ScenarioReport {
  scenario: string;
  rateTps: number;
  durationSec: number;
  accounts: number;
  txSent: number;
  txConfirmed: number;
  txFailed: number;
  txDiscarded: number;
  onChain: number;
  faultsInjected: number;
  breakerTrips: number;
  rebroadcast: number;
  replaced: number;
  lost: number;
  verified: boolean;
}

const START = "<!-- fault-table:start -->";
const END = "<!-- fault-table:end -->";

const reports = JSON.parse(readFileSync("bench/fault-scenarios.json", "utf8")) as ScenarioReport[];
const rows = reports.map((r) =>
  [
    r.scenario,
    `${r.rateTps} tps × ${r.durationSec} s`,
    r.faultsInjected,
    r.txSent,
    r.txConfirmed,
    r.onChain,
    r.txFailed,
    r.txDiscarded,
    `${r.breakerTrips} / ${r.rebroadcast} / ${r.replaced}`,
    r.verified ? "yes" : "**no**",
    r.lost === 0 ? "**0**" : `**${r.lost}**`,
  ].join(" | "),
);
const table = [
  START,
  "| scenario | load | faults injected | sent | confirmed | on chain | failed | discarded | breaker trips / re-broadcasts / replacements | verified | lost |",
  "|---|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r} |`),
  END,
].join("\n");

const readme = readFileSync("README.md", "utf8");
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < 0) throw new Error("README.md has no fault-table markers");
writeFileSync("README.md", readme.slice(0, start) + table + readme.slice(end + END.length));
console.log(table);
