/** D1 tables (PRODUCT.md §11). Migrations in `migrations/` are generated from this file. */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";

export const testRuns = sqliteTable(
  "test_runs",
  {
    id: text("id").primaryKey(),
    name: text("name"),
    customName: text("custom_name"),
    isFavorite: integer("is_favorite", { mode: "boolean" }).notNull().default(false),
    /** 1 while the run is live, NULL after: a unique index on it makes "one active run" atomic. */
    active: integer("active"),
    status: text("status").notNull(),
    pattern: text("pattern").notNull(),
    transactionType: text("transaction_type").notNull(),
    config: text("config", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
    durationMs: integer("duration_ms"),
    targetTps: real("target_tps"),
    numAccounts: integer("num_accounts"),
    txSent: integer("tx_sent").notNull().default(0),
    txConfirmed: integer("tx_confirmed").notNull().default(0),
    txFailed: integer("tx_failed").notNull().default(0),
    txDiscarded: integer("tx_discarded").notNull().default(0),
    averageTps: real("average_tps"),
    peakTps: real("peak_tps"),
    sendLatency: text("send_latency", { mode: "json" }),
    confirmLatency: text("confirm_latency", { mode: "json" }),
    /** Send → first preconfirmation by a builder feed (null: the run had no preconfirmation source). */
    preconfLatency: text("preconf_latency", { mode: "json" }),
    blockCount: integer("block_count"),
    totalGasUsed: text("total_gas_used"),
    startBlock: integer("start_block"),
    endBlock: integer("end_block"),
    errors: text("errors", { mode: "json" }),
    retries: text("retries", { mode: "json" }),
    byType: text("by_type", { mode: "json" }),
    tipHistogram: text("tip_histogram", { mode: "json" }),
    bursts: text("bursts", { mode: "json" }),
    circuitBreaker: text("circuit_breaker", { mode: "json" }),
    /** The builder feeds' figures (TestMetrics `builder`): null when the run used none. */
    builder: text("builder", { mode: "json" }),
    environment: text("environment", { mode: "json" }),
    verification: text("verification", { mode: "json" }),
    errorMessage: text("error_message"),
    /** The schedule that started the run (null: started by a request). */
    scheduleId: text("schedule_id"),
  },
  (t) => [
    uniqueIndex("test_runs_one_active").on(t.active).where(sql`active IS NOT NULL`),
    index("test_runs_created").on(t.createdAt),
  ],
);

export const timeSeries = sqliteTable(
  "time_series",
  {
    runId: text("run_id").notNull(),
    second: integer("second").notNull(),
    txSent: integer("tx_sent").notNull(),
    txConfirmed: integer("tx_confirmed").notNull(),
    txFailed: integer("tx_failed").notNull(),
    currentTps: real("current_tps").notNull(),
    targetTps: real("target_tps").notNull(),
    pending: integer("pending").notNull(),
    gasUsed: text("gas_used").notNull(),
    mgasPerSec: real("mgas_per_sec").notNull(),
    fillRate: real("fill_rate").notNull(),
    /** Median send → preconfirmation of the transactions first preconfirmed in this second (null: none). */
    preconfP50Ms: real("preconf_p50_ms"),
    /** Blocks the builder's block-metrics feed reported in this second, their transactions and mean build time (null: no feed). */
    builtBlocks: integer("built_blocks"),
    builtTxCount: integer("built_tx_count"),
    buildTimeMs: real("build_time_ms"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.second] })],
);

export const txLogs = sqliteTable(
  "tx_logs",
  {
    runId: text("run_id").notNull(),
    hash: text("hash").notNull(),
    account: text("account").notNull(),
    nonce: integer("nonce").notNull(),
    region: text("region").notNull(),
    sentAt: integer("sent_at").notNull(),
    /** When a builder feed first preconfirmed it (null: no feed, or never preconfirmed). */
    preconfirmedAt: integer("preconfirmed_at"),
    confirmedAt: integer("confirmed_at"),
    blockNumber: integer("block_number"),
    status: text("status").notNull(),
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.hash] }), index("tx_logs_run_sent").on(t.runId, t.sentAt)],
);

export type TestRunRow = typeof testRuns.$inferSelect;
export type TimeSeriesRow = typeof timeSeries.$inferSelect;
export type TxLogRow = typeof txLogs.$inferSelect;

/**
 * Contracts the workloads need, deployed once per chain (PRODUCT.md §4). A cached address is used
 * only while the chain still holds the code whose hash is recorded here: a restarted dev chain
 * has lost it, and the contract is deployed again.
 */
export const contracts = sqliteTable(
  "contracts",
  {
    chainId: integer("chain_id").notNull(),
    name: text("name").notNull(),
    address: text("address").notNull(),
    /** keccak256 of the runtime code at `address` when it was deployed. */
    codeHash: text("code_hash").notNull(),
    deployedAt: integer("deployed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.chainId, t.name] })],
);

export type ContractRow = typeof contracts.$inferSelect;

/** Runs started by cron or on a fixed cadence (PRODUCT.md §9); exactly one of `cron` and `everySeconds` is set. */
export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    name: text("name"),
    cron: text("cron"),
    everySeconds: integer("every_seconds"),
    /** The StartTestRequest, as /v1/start validated it. */
    request: text("request", { mode: "json" }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** The next planned firing (null while disabled). For everySeconds it is also the scheduler's due time. */
    nextRunAt: integer("next_run_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("schedules_kind_due").on(t.enabled, t.everySeconds, t.nextRunAt)],
);

/**
 * One row per firing. The unique (schedule, fire key) pair is claimed before anything is started,
 * so a retried or duplicated invocation of the same slot finds it taken and starts nothing.
 */
export const scheduleFirings = sqliteTable(
  "schedule_firings",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    scheduleId: text("schedule_id").notNull(),
    fireKey: text("fire_key").notNull(),
    /** The planned instant: the cron trigger's scheduledTime, or the cadence slot the alarm fired for. */
    at: integer("at").notNull(),
    /** started | skipped | error; `pending` between the claim and the outcome. */
    outcome: text("outcome").notNull(),
    runId: text("run_id"),
    reason: text("reason"),
    /** When the outcome was recorded (for `started`: the run was created and its coordinator began). */
    recordedAt: integer("recorded_at").notNull(),
  },
  (t) => [uniqueIndex("schedule_firings_key").on(t.scheduleId, t.fireKey), index("schedule_firings_at").on(t.scheduleId, t.at)],
);

export type ScheduleRow = typeof schedules.$inferSelect;
export type ScheduleFiringRow = typeof scheduleFirings.$inferSelect;
