/** When schedules fire: cron expressions through croner (in workerd, as the worker runs it) and everySeconds grids. */
import { describe, expect, it } from "vitest";
import { cronFireKey, cronMatches, cronProblem, everyFireKey, firstRunAt, minuteOf, nextCronRun, nextEveryRun } from "../../src/schedule/timing";

const t = (iso: string) => Date.parse(iso);

describe("cron expressions", () => {
  it("accepts the five fields Cloudflare's cron triggers take", () => {
    for (const ok of ["* * * * *", "*/5 * * * *", "0 9 * * MON-FRI", "30 2 1 * *", "0 0 * * 0", "15,45 8-18 * 1-6 *"]) expect(cronProblem(ok)).toBeNull();
  });

  it("names what is wrong with the others", () => {
    expect(cronProblem("* * * *")).toMatch(/5-field/);
    expect(cronProblem("* * * * * *")).toMatch(/5-field/);
    expect(cronProblem("@hourly")).toMatch(/5-field/);
    expect(cronProblem("61 * * * *")).toMatch(/minute/);
    expect(cronProblem("* 24 * * *")).toMatch(/hour/);
    expect(cronProblem("not a cron at all")).not.toBeNull();
    expect(cronProblem("0 0 31 2 *")).toBe("never matches a date");
    expect(cronProblem("? * * * *")).toMatch(/'\?'/);
  });

  it("matches the minute of a trigger, whatever second it was delivered at, in UTC", () => {
    expect(cronMatches("*/5 * * * *", t("2026-05-01T10:05:00Z"))).toBe(true);
    expect(cronMatches("*/5 * * * *", t("2026-05-01T10:05:42.500Z"))).toBe(true);
    expect(cronMatches("*/5 * * * *", t("2026-05-01T10:06:00Z"))).toBe(false);
    expect(cronMatches("0 9 * * MON-FRI", t("2026-05-04T09:00:00Z"))).toBe(true); // a Monday
    expect(cronMatches("0 9 * * MON-FRI", t("2026-05-03T09:00:00Z"))).toBe(false); // a Sunday
  });

  it("plans the next matching minute strictly after a time", () => {
    expect(nextCronRun("*/5 * * * *", t("2026-05-01T10:02:30Z"))).toBe(t("2026-05-01T10:05:00Z"));
    expect(nextCronRun("*/5 * * * *", t("2026-05-01T10:05:00Z"))).toBe(t("2026-05-01T10:10:00Z"));
    expect(nextCronRun("0 9 * * MON-FRI", t("2026-05-01T10:00:00Z"))).toBe(t("2026-05-04T09:00:00Z"));
  });

  it("keys a firing by its minute", () => {
    expect(minuteOf(t("2026-05-01T10:05:42.500Z"))).toBe(t("2026-05-01T10:05:00Z"));
    expect(cronFireKey(t("2026-05-01T10:05:42.500Z"))).toBe(cronFireKey(t("2026-05-01T10:05:00Z")));
    expect(cronFireKey(t("2026-05-01T10:05:00Z"))).not.toBe(cronFireKey(t("2026-05-01T10:06:00Z")));
  });
});

describe("everySeconds cadences", () => {
  const planned = t("2026-05-01T10:00:00Z");

  it("keeps the grid when an alarm is late, and does not make up missed slots", () => {
    expect(nextEveryRun(planned, 10, planned - 1)).toBe(planned);
    expect(nextEveryRun(planned, 10, planned)).toBe(planned + 10_000);
    expect(nextEveryRun(planned, 10, planned + 3_700)).toBe(planned + 10_000);
    expect(nextEveryRun(planned, 10, planned + 95_000)).toBe(planned + 100_000);
    expect(everyFireKey(planned)).not.toBe(everyFireKey(planned + 10_000));
  });

  it("plans the first firing from now, and none while disabled", () => {
    expect(firstRunAt({ enabled: true, cron: null, everySeconds: 30 }, planned)).toBe(planned + 30_000);
    expect(firstRunAt({ enabled: true, cron: "*/5 * * * *", everySeconds: null }, t("2026-05-01T10:02:30Z"))).toBe(t("2026-05-01T10:05:00Z"));
    expect(firstRunAt({ enabled: false, cron: "*/5 * * * *", everySeconds: null }, planned)).toBeNull();
  });
});
