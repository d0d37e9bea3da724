/**
 * The API's request schemas: the single source for validation and for the TypeScript types.
 */
import { z } from "zod";
import type { RunStatus } from "../metrics/test-metrics";
import { DEFAULT_RATE_STEP, DEFAULT_TARGET_PENDING } from "../run/adaptive";
import { cronProblem } from "../schedule/timing";
import { MAX_BURST_SHARE } from "../run/burst-plan";
import { RATIO_KEYS, type RatioKey } from "../tx/mix";
import { TRANSACTION_TYPES } from "../tx/types";
import { MAX_BATCHES_IN_FLIGHT } from "../chain/layers";

export const PATTERNS = ["constant", "ramp", "spike", "burst", "adaptive", "realistic", "adaptive-realistic"] as const;
export type Pattern = (typeof PATTERNS)[number];

/** Durable Object location hints (PRODUCT.md §9). */
export const REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type Region = (typeof REGIONS)[number];

const MAX_TPS = 100_000;
const MAX_ACCOUNTS = 5000;
const rate = z.number().positive().max(MAX_TPS);
const count = z.number().int().min(1);

const MAX_TIP_GWEI = 10_000;
/** A weight is a relative share; this only keeps the numbers sane. */
const MAX_REGION_WEIGHT = 1_000_000;

/** Shares per type in percent, by the camelCase names of PRODUCT.md §3; they must sum to 100. */
const txTypeRatios = z
  .object(Object.fromEntries(Object.keys(RATIO_KEYS).map((k) => [k, z.number().min(0).max(100).optional()])) as Record<RatioKey, z.ZodOptional<z.ZodNumber>>)
  .strict()
  .superRefine((ratios, ctx) => {
    const sum = Object.values(ratios).reduce((total: number, share) => total + (share ?? 0), 0);
    if (Math.abs(sum - 100) > 1e-6) ctx.addIssue({ code: "custom", path: [], message: `must sum to 100 (they sum to ${sum})` });
  });

const realisticConfig = z
  .object({
    numAccounts: z.number().int().min(0).max(5000).optional(),
    targetTps: rate,
    minTipGwei: z.number().min(0).max(MAX_TIP_GWEI).optional(),
    maxTipGwei: z.number().min(0).max(MAX_TIP_GWEI).optional(),
    tipDistribution: z.enum(["exponential", "power-law", "uniform"]).optional(),
    txTypeRatios: txTypeRatios.optional(),
  })
  .strict()
  .refine((c) => c.minTipGwei === undefined || c.maxTipGwei === undefined || c.minTipGwei <= c.maxTipGwei, {
    message: "must not be below minTipGwei",
    path: ["maxTipGwei"],
  });

/** Circuit-breaker thresholds (PRODUCT.md §6); each defaults to the spec's value. */
const circuitBreakerConfig = z
  .object({
    failureRate: z.number().gt(0).lt(1).optional(),
    revocationRate: z.number().gt(0).lt(1).optional(),
    closeRate: z.number().gt(0).lt(1).optional(),
    minWindow: z.number().int().min(100).max(100_000).optional(),
    reducedTps: z.number().positive().max(MAX_TPS).optional(),
  })
  .strict();

export const startTestRequest = z
  .object({
    pattern: z.enum(PATTERNS),
    durationSec: z.number().int().min(1).max(3600),
    numAccounts: z.number().int().min(0).max(MAX_ACCOUNTS).default(0),
    transactionType: z.enum(TRANSACTION_TYPES).default("eth-transfer"),
    constantRate: rate.optional(),
    rampStart: z.number().min(0).max(MAX_TPS).optional(),
    rampEnd: z.number().min(0).max(MAX_TPS).optional(),
    rampSteps: count.max(1000).optional(),
    baselineRate: z.number().min(0).max(MAX_TPS).optional(),
    spikeRate: rate.optional(),
    spikeDuration: count.max(3600).optional(),
    spikeInterval: count.max(3600).optional(),
    /** At most MAX_BURST_SHARE per account object, with as many objects as a run may have. */
    burstCount: count.max(MAX_ACCOUNTS * MAX_BURST_SHARE).optional(),
    burstWindowMs: z.number().int().min(10).max(60_000).optional(),
    burstIntervalSec: count.max(3600).optional(),
    adaptiveInitialRate: rate.optional(),
    adaptiveTargetPending: count.max(10_000_000).default(DEFAULT_TARGET_PENDING),
    adaptiveRateStep: count.max(MAX_TPS).default(DEFAULT_RATE_STEP),
    realisticConfig: realisticConfig.optional(),
    /** Tip in gwei for EIP-1559 transactions (default 1). */
    tipGwei: z.number().min(0).max(10_000).optional(),
    regions: z
      .array(z.enum(REGIONS))
      .min(1)
      .max(REGIONS.length)
      .refine((rs) => new Set(rs).size === rs.length, { message: "must not name a region twice (use regionWeights for an uneven split)" })
      .optional(),
    /** Relative shares of the accounts per region (PRODUCT.md §9); a region of `regions` left out weighs 1. */
    regionWeights: z
      .partialRecord(z.enum(REGIONS), z.number().positive().max(MAX_REGION_WEIGHT))
      .refine((w) => Object.keys(w).length > 0, { message: "must weigh at least one region" })
      .optional(),
    circuitBreaker: circuitBreakerConfig.optional(),
    /** Send batches one account object may have in flight (default: the execution layer's, see GET /v1/layers). */
    batchesInFlight: z.number().int().min(1).max(MAX_BATCHES_IN_FLIGHT).optional(),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    const need = (field: keyof typeof req, why: string) => {
      if (req[field] === undefined) ctx.addIssue({ code: "custom", path: [field], message: `required ${why}` });
    };
    if (req.pattern === "constant") need("constantRate", "when pattern is constant");
    if (req.pattern === "realistic" || req.pattern === "adaptive-realistic") need("realisticConfig", `when pattern is ${req.pattern}`);
    if (req.pattern === "ramp") {
      need("rampStart", "when pattern is ramp");
      need("rampEnd", "when pattern is ramp");
      if ((req.rampStart ?? 0) === 0 && (req.rampEnd ?? 0) === 0) {
        ctx.addIssue({ code: "custom", path: ["rampEnd"], message: "rampStart and rampEnd cannot both be 0" });
      }
    }
    if (req.pattern === "spike") {
      need("baselineRate", "when pattern is spike");
      need("spikeRate", "when pattern is spike");
      need("spikeDuration", "when pattern is spike");
      need("spikeInterval", "when pattern is spike");
      if (req.spikeDuration !== undefined && req.spikeInterval !== undefined && req.spikeDuration > req.spikeInterval) {
        ctx.addIssue({ code: "custom", path: ["spikeDuration"], message: "must not exceed spikeInterval" });
      }
    }
    if (req.pattern === "burst") {
      need("burstCount", "when pattern is burst");
      if (req.burstCount !== undefined && req.numAccounts > 0 && req.burstCount > req.numAccounts * MAX_BURST_SHARE) {
        const message = `must not exceed numAccounts × ${MAX_BURST_SHARE} (${req.numAccounts * MAX_BURST_SHARE}): an account object sends at most ${MAX_BURST_SHARE} per burst (or leave numAccounts at 0 to size it)`;
        ctx.addIssue({ code: "custom", path: ["burstCount"], message });
      }
      if (req.burstIntervalSec !== undefined && req.burstIntervalSec > req.durationSec) {
        ctx.addIssue({ code: "custom", path: ["burstIntervalSec"], message: "must not exceed durationSec" });
      }
      if (req.burstWindowMs !== undefined && req.burstIntervalSec !== undefined && req.burstWindowMs > req.burstIntervalSec * 1000) {
        ctx.addIssue({ code: "custom", path: ["burstWindowMs"], message: "must not exceed burstIntervalSec × 1000: a burst must leave before the next one" });
      }
    }
    if (req.pattern === "adaptive") need("adaptiveInitialRate", "when pattern is adaptive");
    if (req.regions && req.regionWeights) {
      for (const region of Object.keys(req.regionWeights)) {
        if (!req.regions.includes(region as Region)) {
          const message = `${region} is not in regions (${req.regions.join(", ")}): name it there too, or give regionWeights alone`;
          ctx.addIssue({ code: "custom", path: ["regionWeights", region], message });
        }
      }
    }
  });

export type StartTestRequest = z.output<typeof startTestRequest>;

/** Every status a run row can have (TestMetrics' `idle` is no run at all). */
export const RUN_STATUSES = ["initializing", "running", "verifying", "completed", "stopped", "error"] as const satisfies readonly RunStatus[];

export const historyQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    offset: z.coerce.number().int().min(0).default(0),
    status: z.enum(RUN_STATUSES).optional(),
    pattern: z.enum(PATTERNS).optional(),
    favorite: z.stringbool().optional(),
    /** Part of the run's name, custom name or id, in any case. */
    search: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export type HistoryFilters = Omit<z.output<typeof historyQuery>, "limit" | "offset">;

export const transactionsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
    status: z.enum(["pending", "confirmed", "failed", "discarded"]).optional(),
  })
  .strict();

export const historyPatch = z
  .object({
    // A blank name clears the custom name rather than storing an empty string.
    customName: z
      .string()
      .trim()
      .max(200)
      .nullable()
      .optional()
      .transform((v) => (v === "" ? null : v)),
    isFavorite: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.customName !== undefined || p.isFavorite !== undefined, {
    message: "give customName or isFavorite",
    path: ["customName"],
  });

export const runIdParam = z.object({ id: z.uuid() });

/** Routes that take no query parameters refuse any, as every field is validated. */
export const noQuery = z.object({}).strict();

/** POST /recycle: no fields; which senders and how long to wait come from the runs in D1 and RECYCLE_WAIT_MS. */
export const recycleRequest = z.object({}).strict();

const cronExpression = z
  .string()
  .trim()
  .superRefine((expression, ctx) => {
    const problem = cronProblem(expression);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** The fields of a schedule (PRODUCT.md §9); `request` is checked by the very schema /v1/start uses. */
const scheduleFields = {
  name: z.string().trim().min(1).max(200),
  cron: cronExpression,
  everySeconds: z.number().int().min(10).max(3600),
  request: startTestRequest,
  enabled: z.boolean(),
};

const ONE_CADENCE = "give exactly one of cron (a 5-field cron expression) and everySeconds (10–3600)";

export const scheduleCreate = z
  .object({ ...scheduleFields, name: scheduleFields.name.optional(), cron: scheduleFields.cron.optional(), everySeconds: scheduleFields.everySeconds.optional(), enabled: scheduleFields.enabled.default(true) })
  .strict()
  .refine((s) => (s.cron === undefined) !== (s.everySeconds === undefined), { message: ONE_CADENCE, path: ["cron"] });

export type ScheduleCreate = z.output<typeof scheduleCreate>;

/** Giving `cron` turns an `everySeconds` schedule into a cron one, and the other way round; `name: null` clears the name. */
export const schedulePatch = z
  .object({ ...scheduleFields, name: scheduleFields.name.nullable() })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: "give at least one of name, cron, everySeconds, request, enabled", path: ["body"] })
  .refine((p) => p.cron === undefined || p.everySeconds === undefined, { message: ONE_CADENCE, path: ["cron"] });

export type SchedulePatch = z.output<typeof schedulePatch>;

export const firingsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(50) })
  .strict();
