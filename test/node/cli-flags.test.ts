/** `loadgen run`'s flags: one per StartTestRequest field, read from the API's schema, plus the short forms. */
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { requestOf, runCommand } from "../../cli/commands/run";
import { REQUEST_FLAGS, requestOptions } from "../../cli/request-flags";
import { startTestRequest } from "../../src/api/schemas";

/** Parses `argv` with the real `run` command, its action replaced: the request the CLI would send, and the other options. */
async function parse(...argv: string[]) {
  const command = runCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
    .action(() => {});
  await command.parseAsync(["--url", "http://api.test", ...argv], { from: "user" });
  const options = command.opts();
  return { request: requestOf(options), options };
}

/** A value of the flag's kind, as typed on a command line, and what the request should then hold. */
function sample(kind: string): [string, unknown] {
  switch (kind) {
    case "number":
    case "integer":
      return ["7", 7];
    case "boolean":
      return ["true", true];
    case "list":
      return ["a,b", ["a", "b"]];
    case "json":
      return ['{"k":1}', { k: 1 }];
    default:
      return ["some text", "some text"];
  }
}

describe("request flags", () => {
  it("has exactly one flag per field of the schema /v1/start validates with", () => {
    expect(REQUEST_FLAGS.map((f) => f.field)).toEqual(Object.keys(startTestRequest.shape));
    expect(REQUEST_FLAGS.find((f) => f.field === "durationSec")).toMatchObject({ flag: "--duration-sec", kind: "integer", description: "integer 1 to 3600" });
    expect(REQUEST_FLAGS.find((f) => f.field === "transactionType")?.description).toMatch(/^one of eth-transfer, erc20-transfer, .*\(default "eth-transfer"\)$/);
  });

  it("carries every field's flag into the request under the field's name", async () => {
    for (const flag of REQUEST_FLAGS) {
      const [typed, expected] = sample(flag.kind);
      const { request } = await parse(flag.flag, typed);
      expect({ field: flag.field, request }).toEqual({ field: flag.field, request: { [flag.field]: expected } });
    }
  });

  it("lists every field's flag in `run --help`", () => {
    const help = runCommand().helpInformation();
    for (const flag of REQUEST_FLAGS) expect(help).toContain(flag.flag);
  });

  it("builds a request the API's schema accepts from full flags", async () => {
    const { request } = await parse(
      ...["--pattern", "ramp", "--duration-sec", "30", "--ramp-start", "10", "--ramp-end", "100", "--ramp-steps", "5", "--num-accounts", "4"],
      ...["--regions", "weur,enam", "--regions", "apac", "--region-weights", '{"weur":2}', "--circuit-breaker", '{"failureRate":0.4}', "--name", "nightly ramp"],
    );
    expect(request).toEqual({
      pattern: "ramp",
      durationSec: 30,
      rampStart: 10,
      rampEnd: 100,
      rampSteps: 5,
      numAccounts: 4,
      regions: ["weur", "enam", "apac"],
      regionWeights: { weur: 2 },
      circuitBreaker: { failureRate: 0.4 },
      name: "nightly ramp",
    });
    expect(startTestRequest.safeParse(request).success).toBe(true);
  });

  it("refuses a value that is not of the field's JSON type, naming the flag", async () => {
    await expect(parse("--constant-rate", "fast")).rejects.toThrow(/--constant-rate takes a number/);
    await expect(parse("--realistic-config", "{targetTps:1}")).rejects.toThrow(/--realistic-config takes JSON/);
    await expect(parse("--rate", "")).rejects.toBeInstanceOf(CommanderError);
  });

  it("will not let a field take one of the CLI's own flags", () => {
    expect(() => requestOptions(["--url", "--pattern"])).toThrow(/field pattern would take the CLI's own flag --pattern/);
  });
});

describe("short forms", () => {
  it("turn --rate alone into a constant run", async () => {
    const { request } = await parse("--rate", "50", "--duration", "3", "--accounts", "2", "--type", "erc20-transfer");
    expect(request).toEqual({ pattern: "constant", constantRate: 50, durationSec: 3, numAccounts: 2, transactionType: "erc20-transfer" });
    expect(startTestRequest.safeParse(request).success).toBe(true);
  });

  it("give --rate the pattern's headline field", async () => {
    expect((await parse("--pattern", "ramp", "--rate", "100")).request).toEqual({ pattern: "ramp", rampStart: 25, rampEnd: 100, rampSteps: 4 });
    expect((await parse("--pattern", "adaptive", "--rate", "40")).request).toEqual({ pattern: "adaptive", adaptiveInitialRate: 40 });
    expect((await parse("--pattern", "burst", "--rate", "40", "--duration", "9")).request).toEqual({ pattern: "burst", burstCount: 40, burstIntervalSec: 3, durationSec: 9 });
  });

  it("yield to the same field given as a flag", async () => {
    expect((await parse("--pattern", "ramp", "--rate", "100", "--ramp-start", "10")).request).toMatchObject({ rampStart: 10, rampEnd: 100 });
    expect((await parse("--rate", "5", "--duration", "3", "--duration-sec", "8")).request).toMatchObject({ durationSec: 8 });
    expect((await parse("--accounts", "2", "--num-accounts", "6")).request).toEqual({ numAccounts: 6 });
  });

  it("keep --rate's target beside the keys of a --realistic-config", async () => {
    const { request } = await parse("--pattern", "realistic", "--rate", "30", "--duration", "5", "--realistic-config", '{"tipDistribution":"uniform"}');
    expect(request).toEqual({ pattern: "realistic", durationSec: 5, realisticConfig: { targetTps: 30, tipDistribution: "uniform" } });
    expect(startTestRequest.safeParse(request).success).toBe(true);
  });

  it("leave the CLI's own options out of the request", async () => {
    const { request, options } = await parse("--rate", "5", "--duration", "2", "--threshold", "txFailed==0", "--threshold", "txSent>1", "--json", "--token", "t0k");
    expect(request).toEqual({ pattern: "constant", constantRate: 5, durationSec: 2 });
    expect(options).toMatchObject({ threshold: ["txFailed==0", "txSent>1"], json: true, token: "t0k", url: "http://api.test" });
  });
});
