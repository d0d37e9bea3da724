/**
 * `loadgen run`: start a run, follow it with a live line, print the summary and the thresholds'
 * outcome once it is verified, and exit 0, 99 or 1 (exit-codes.ts).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { summaryTable } from "../../scripts/lib/report";
import type { TestMetrics } from "../../src/metrics/test-metrics";
import { apiOf, withConnection, type ConnectionOptions } from "../connection";
import { runExitCode } from "../exit-codes";
import { followRun } from "../follow";
import { startProgress } from "../progress";
import { requestOptions, fieldsFromOptions } from "../request-flags";
import { requestFromFlags, type ShortForms } from "../short-forms";
import { thresholdTable } from "../threshold-table";
import { evaluateThresholds, parseThresholds } from "../thresholds";

interface RunOptions extends ConnectionOptions, ShortForms {
  threshold?: string[];
  json?: boolean;
  [field: string]: unknown;
}

const number = (raw: string) => {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("not a number");
  return n;
};

const SHORT_FORMS = "Short forms (the demo's flags; a request field given as well wins):";
const CLI_FLAGS = ["--url", "--token", "--threshold", "--json", "--rate", "--duration", "--accounts", "--type", "--help"];

const HELP_AFTER = `
Thresholds: PATH OP RIGHT over the final TestMetrics (GET /v1/status), OP one of < <= > >= == !=,
RIGHT a number, a path, or number*path. A path names a number: confirmLatency.p99, txFailed,
errors.timeout (a class never seen counts 0), byType.eth-transfer.confirmed, verification.includedOnChain.
  loadgen run --url $URL --rate 200 --duration 30 \\
    --threshold 'confirmLatency.p99<2000' --threshold 'txFailed==0' --threshold 'averageTps>=0.95*targetTps'

Exit codes: 0 the run completed, verified on chain, and every threshold held; 99 a threshold failed;
1 the run was stopped, errored or not verified, the API refused it (its message names the field),
or a threshold is malformed (checked before anything starts).
Ctrl-C (or SIGTERM) stops the run (POST /v1/stop) and waits for its verification; a second one
leaves at once.`;

export function runCommand(): Command {
  const command = withConnection(new Command("run").description("start a run, follow it live, check thresholds"))
    .addOption(new Option("--threshold <expr>", "a pass/fail criterion, repeatable (see below)").argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option("--json", "print only the final TestMetrics and threshold results as JSON on stdout (the rest goes to stderr)")
    .addOption(new Option("--rate <tps>", "the pattern's headline rate: constantRate, a ramp's end, a spike's peak, realisticConfig.targetTps, adaptiveInitialRate, burstCount (alone: pattern constant)").argParser(number).helpGroup(SHORT_FORMS))
    .addOption(new Option("--duration <sec>", "durationSec").argParser(number).helpGroup(SHORT_FORMS))
    .addOption(new Option("--accounts <n>", "numAccounts (0: sized by the API)").argParser(number).helpGroup(SHORT_FORMS))
    .addOption(new Option("--type <type>", "transactionType").helpGroup(SHORT_FORMS));
  for (const option of requestOptions(CLI_FLAGS)) command.addOption(option);
  return command.addHelpText("after", HELP_AFTER).action(async (options: RunOptions) => {
    process.exitCode = await run(options);
  });
}

/** The request body the parsed flags stand for: the short forms, then every request field given. */
export const requestOf = (options: Record<string, unknown>) => requestFromFlags(options as ShortForms, fieldsFromOptions(options));

async function run(options: RunOptions): Promise<number> {
  // Checked before anything starts: a typo must not cost a run.
  const thresholds = parseThresholds(options.threshold ?? []);
  const request = requestOf(options);
  const human = options.json ? process.stderr : process.stdout;
  const api = apiOf(options);

  let runId: string | undefined;
  let stopping = false;
  const progress = startProgress(typeof request.durationSec === "number" ? request.durationSec : 0);
  const stop = () => {
    if (runId === undefined) return;
    api.post<{ status: string }>("/v1/stop").then(
      ({ status }) => process.stderr.write(`\nstop requested (${status}); waiting for the verification. Ctrl-C again leaves without waiting.\n`),
      (err) => process.stderr.write(`\nstop failed: ${err instanceof Error ? err.message : err}\n`),
    );
  };
  const onInterrupt = () => {
    if (stopping) {
      progress.stop();
      process.exit(130);
    }
    stopping = true;
    stop();
  };
  // A cancelled CI job gets SIGTERM: the run is stopped and settled rather than left sending.
  process.on("SIGINT", onInterrupt).on("SIGTERM", onInterrupt);
  let final: TestMetrics;
  try {
    ({ runId } = await api.post<{ runId: string }>("/v1/start", request));
    human.write(`run ${runId} started\n`);
    // Ctrl-C while the start was on its way: the run exists now, so stop it.
    if (stopping) stop();
    final = await followRun(api, runId, (m) => progress.update(m));
  } finally {
    progress.stop();
    process.off("SIGINT", onInterrupt).off("SIGTERM", onInterrupt);
  }
  const results = evaluateThresholds(thresholds, final);
  human.write(`${summaryTable(final)}\n${thresholdTable(results)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify({ metrics: final, thresholds: results }, null, 2)}\n`);
  return runExitCode(final, results);
}
