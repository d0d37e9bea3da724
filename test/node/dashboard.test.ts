/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against
 * `wrangler dev` + anvil, as a user meets it, with API_TOKEN set: the page asks for the token once,
 * loads with no console error, starts a run from its form, its charts move while the run sends,
 * it stops the run, the history lists the runs (favourite, rename, filter), compare shows two runs,
 * and the run page exports its seconds. The README's screenshots are taken here (docs/dashboard*.png).
 */
import { readFileSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PATTERNS } from "../../src/api/schemas";
import { TRANSACTION_TYPES } from "../../src/tx/types";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";

const TOKEN = "dash-token-4c1e9b7f02";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let stack: LocalStack;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const runIds: string[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startLocalStack({ blockTimeSec: 1, vars: { API_TOKEN: TOKEN } }),
    chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS }),
  ]);
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (err) => consoleErrors.push(`pageerror: ${err.message}`));
  // Every run this page starts, as the API answered it.
  page.on("response", async (response) => {
    if (response.url().endsWith("/v1/start") && response.ok()) runIds.push(((await response.json()) as { runId: string }).runId);
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const chartPoints = async (title: string) => Number(await page.getAttribute(`figure[data-chart="${title}"]`, "data-points"));
const statusBadge = () => page.locator('[data-testid="status-badge"]');

async function fillRunForm(fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    if (name === "pattern" || name === "transactionType") await page.selectOption(`select[name="${name}"]`, value);
    else await page.fill(`input[name="${name}"]`, value);
  }
}

describe("the dashboard in chromium", () => {
  it("asks for the token once, then loads with the live feed open and every pattern and type in its form", async () => {
    await page.goto(stack.apiUrl);
    await page.locator("dialog.token-dialog input").fill(TOKEN);
    await page.locator("dialog.token-dialog button").click();
    await page.locator("#live-indicator .dot.open").waitFor();
    await page.getByText("No run yet").waitFor();
    // Kept for the tab: a reload does not ask again.
    await page.reload();
    await page.locator("#live-indicator .dot.open").waitFor();
    expect(await page.locator("dialog.token-dialog").count()).toBe(0);
    const options = (select: string) => page.locator(`select[name="${select}"] option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => v !== ""));
    expect(await options("pattern")).toEqual([...PATTERNS]);
    expect(await options("transactionType")).toEqual([...TRANSACTION_TYPES]);
    expect(consoleErrors).toEqual([]);
  });

  it("opens the API's OpenAPI document from the header with the token (a plain link would be refused)", async () => {
    const [tab] = await Promise.all([page.waitForEvent("popup"), page.click("nav a[data-api-doc]")]);
    await tab.waitForURL(/^blob:/);
    const text = await tab.locator("pre").first().textContent();
    expect(JSON.parse(text ?? "")).toMatchObject({ openapi: "3.1.0", paths: { "/v1/start": expect.anything() } });
    await tab.close();
    expect(consoleErrors).toEqual([]);
  });

  it("starts a run from the form, moves its charts while it sends, and stops it from the page", async () => {
    await fillRunForm({ name: "dashboard run", pattern: "constant", constantRate: "20", durationSec: "60", numAccounts: "4" });
    await page.click('button[data-action="start"]');
    await page.locator('[data-testid="status-badge"]:text-is("running")').waitFor({ timeout: 30_000 });
    await page.locator('.figure:has(.label:text-is("confirmed")) .value:not(:text-is("0"))').waitFor({ timeout: 15_000 });
    const before = await chartPoints("Throughput (tx/s)");
    await page.waitForTimeout(1_500);
    const after = await chartPoints("Throughput (tx/s)");
    // One point per feed message (every 200 ms): 1.5 s adds several.
    expect(after).toBeGreaterThanOrEqual(before + 4);
    // Every chart takes each point (read a moment later, they may have one more).
    for (const chart of ["Latency (ms)", "Pending transactions", "Block fill (%)"]) expect(await chartPoints(chart)).toBeGreaterThanOrEqual(after);
    await page.waitForTimeout(2_000);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: "docs/dashboard.png" });

    await page.click('button[data-action="stop"]');
    await page.locator('[data-testid="status-badge"]:text-is("stopped")').waitFor({ timeout: 30_000 });
    expect(await page.isEnabled('button[data-action="start"]')).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  it("runs a second one to completion; history lists both, favourites, renames and filters them; compare shows the two", async () => {
    await fillRunForm({ name: "short run", durationSec: "3", constantRate: "20" });
    await page.click('button[data-action="start"]');
    await statusBadge().filter({ hasText: /^completed$/ }).waitFor({ timeout: 45_000 });
    expect(runIds).toHaveLength(2);

    await page.click('nav a[data-route="history"]');
    const table = page.locator('[data-testid="history-table"]');
    await table.getByRole("link", { name: "short run" }).waitFor();
    await table.getByRole("link", { name: "dashboard run" }).waitFor();

    // Favourite the first run, then filter on favourites.
    await table.locator("tr", { hasText: "dashboard run" }).locator('button[data-action="favorite"]').click();
    await table.locator("tr", { hasText: "dashboard run" }).locator("button.star.on").waitFor();
    await page.check('input[name="favorite"]');
    await expect.poll(() => table.locator("tbody tr").count()).toBe(1);
    await page.uncheck('input[name="favorite"]');
    await expect.poll(() => table.locator("tbody tr").count()).toBe(2);

    // Rename the second.
    await table.locator("tr", { hasText: "short run" }).locator('button[data-action="rename"]').click();
    await page.fill('input[aria-label="new name"]', "renamed run");
    await page.press('input[aria-label="new name"]', "Enter");
    await table.getByRole("link", { name: "renamed run" }).waitFor();

    // Pick both and compare.
    for (const name of ["dashboard run", "renamed run"]) await page.check(`input[aria-label="pick ${name} to compare"]`);
    await page.click('button[data-action="compare"]');
    const compare = page.locator('[data-testid="compare-table"]');
    await compare.waitFor();
    const heads = await compare.locator("thead th").allTextContents();
    expect(heads.slice(1, 3).sort()).toEqual(["dashboard run", "renamed run"]);
    expect(await chartPoints("Confirmed per second (tx/s)")).toBeGreaterThan(0);
    await page.screenshot({ path: "docs/dashboard-compare.png", fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it("shows a run's page with its seconds, tables and verification, and exports its seconds as CSV", async () => {
    await page.goto(`${stack.apiUrl}/#/run/${runIds[1]}`);
    await page.locator('[data-testid="verified"]').waitFor();
    expect(await page.locator('[data-testid="verified"]').textContent()).toBe("verified on chain");
    expect(await page.locator('[data-testid="by-region"] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-testid="by-type"] tbody tr td').first().textContent()).toBe("eth-transfer");
    expect(await chartPoints("Throughput per second (tx/s)")).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: "docs/dashboard-run.png", fullPage: true });

    const [download] = await Promise.all([page.waitForEvent("download"), page.click('button[data-action="export-csv"]')]);
    const csv = readFileSync((await download.path())!, "utf8").trim().split("\r\n");
    expect(csv[0]).toBe("runId,second,txSent,txConfirmed,txFailed,currentTps,targetTps,pending,gasUsed,mgasPerSec,fillRate,preconfP50Ms,builtBlocks,builtTxCount,buildTimeMs");
    expect(csv.length - 1).toBe(await chartPoints("Throughput per second (tx/s)"));
    expect(csv.slice(1).every((line) => line.startsWith(`${runIds[1]},`))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  it("never let the token reach wrangler's request log", () => {
    expect(stack.dev.output()).not.toContain(TOKEN);
  });
});
