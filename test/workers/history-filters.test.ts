/**
 * What the dashboard's history needs from the API: filters on the list (validated, counted in
 * `total`), and a past run's whole TestMetrics (`/v1/history/:id/status`).
 */
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiJson } from "./helpers";

/** A word no other suite's run is named with: every query below is narrowed to these rows. */
const MARK = `hf${crypto.randomUUID().slice(0, 8)}`;
const rows = [
  { name: `${MARK} alpha`, status: "completed", pattern: "constant", favorite: 1, custom: null },
  { name: `${MARK} beta`, status: "stopped", pattern: "ramp", favorite: 0, custom: "Renamed 100%_run" },
  { name: `${MARK} gamma`, status: "completed", pattern: "ramp", favorite: 0, custom: null },
];
const ids = rows.map(() => crypto.randomUUID());

beforeAll(async () => {
  for (const [i, row] of rows.entries()) {
    await env.DB.prepare(
      "INSERT INTO test_runs (id, name, custom_name, is_favorite, status, pattern, transaction_type, config, created_at) VALUES (?, ?, ?, ?, ?, ?, 'eth-transfer', '{}', ?)",
    )
      .bind(ids[i], row.name, row.custom, row.favorite, row.status, row.pattern, 1_000 + i)
      .run();
  }
});

afterAll(async () => {
  for (const id of ids) await apiJson(`/v1/history/${id}`, { method: "DELETE" });
});

const names = async (query: string) => {
  const { status, body } = await apiJson(`/v1/history?search=${MARK}&${query}`);
  expect(status).toBe(200);
  return { names: body.runs.map((r: { name: string }) => r.name.slice(MARK.length + 1)), total: body.total };
};

describe("GET /v1/history filters", () => {
  it("narrows by status, pattern, favourite and text, newest first, with the total of the filtered list", async () => {
    expect(await names("")).toEqual({ names: ["gamma", "beta", "alpha"], total: 3 });
    expect(await names("status=completed")).toEqual({ names: ["gamma", "alpha"], total: 2 });
    expect(await names("pattern=ramp&status=completed")).toEqual({ names: ["gamma"], total: 1 });
    expect(await names("favorite=true")).toEqual({ names: ["alpha"], total: 1 });
    expect(await names("favorite=false&limit=1")).toEqual({ names: ["gamma"], total: 2 });
  });

  it("searches the custom name and the id in any case, taking % and _ literally", async () => {
    const search = async (text: string) => (await apiJson(`/v1/history?search=${encodeURIComponent(text)}`)).body.runs.map((r: { id: string }) => r.id);
    expect(await search("renamed 100%_RUN")).toEqual([ids[1]]);
    expect(await search("100%x")).toEqual([]);
    expect(await search(ids[2].slice(0, 13).toUpperCase())).toEqual([ids[2]]);
  });

  it("refuses a filter value it does not know, naming the field", async () => {
    for (const [query, field] of [
      ["status=done", "status"],
      ["pattern=sine", "pattern"],
      ["favorite=maybe", "favorite"],
      ["search=", "search"],
      ["colour=red", "colour"],
    ]) {
      const { status, body } = await apiJson(`/v1/history?${query}`);
      expect(status, query).toBe(400);
      expect(body.details.map((d: { field: string }) => d.field), query).toContain(field);
    }
  });
});

describe("GET /v1/history/:id/status", () => {
  it("gives the row's status for a run its coordinator has no record of, and 404 for no run", async () => {
    const { status, body } = await apiJson(`/v1/history/${ids[1]}/status`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ runId: ids[1], status: "stopped", txSent: 0, regions: {} });
    expect((await apiJson(`/v1/history/${crypto.randomUUID()}/status`)).status).toBe(404);
    expect((await apiJson("/v1/history/not-a-uuid/status")).status).toBe(400);
    expect((await apiJson(`/v1/history/${ids[1]}/status?fields=all`)).status).toBe(400);
  });
});
