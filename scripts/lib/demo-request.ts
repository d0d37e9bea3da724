/**
 * The demo's short flags turned into a StartTestRequest: `--rate` is the pattern's headline rate
 * (cli/short-forms.ts, shared with `loadgen run`), the rest take values that show the pattern's
 * shape in a short run.
 */
import { headlineRateFields } from "../../cli/short-forms";

export interface DemoFlags {
  rate: number;
  duration: number;
  accounts: number;
  type: string;
  pattern: string;
}

export function demoRequest(f: DemoFlags): Record<string, unknown> {
  const name = `demo ${f.pattern} ${f.type}`;
  const headline = headlineRateFields(f.pattern, f.rate, f.duration);
  if (f.pattern === "realistic" || f.pattern === "adaptive-realistic") {
    const realisticConfig = { ...(headline.realisticConfig as object), numAccounts: f.accounts };
    return { pattern: f.pattern, durationSec: f.duration, name, ...headline, realisticConfig };
  }
  // An unknown pattern is sent as asked: the API's 400 names the field and the patterns it knows.
  return { durationSec: f.duration, numAccounts: f.accounts, transactionType: f.type, name, pattern: f.pattern, ...headline };
}
