/** `#/history`: past runs with filters, favourite and rename, delete, and two picked for compare. */
import { api, get } from "./api";
import { h, replace, table } from "./dom";
import * as fmt from "./format";
import { ACTIVE_STATUSES, type HistoryPage, type HistoryRun } from "./types";
import type { View } from "./view";

const PAGE = 20;

export interface HistoryOptions {
  statuses: string[];
  patterns: string[];
  navigate(hash: string): void;
}

export function historyView(options: HistoryOptions): View {
  const filters = { status: "", pattern: "", favorite: false, search: "" };
  let offset = 0;
  const picked = new Set<string>();
  const list = h("div", { class: "history-list" });
  const compareButton = h("button", { type: "button", class: "primary", disabled: true, "data-action": "compare" }, "Compare 2 runs");
  compareButton.addEventListener("click", () => options.navigate(`#/compare/${[...picked].join("/")}`));

  const select = (name: keyof typeof filters, values: string[], all: string) => {
    const el = h("select", { name, "aria-label": name }, h("option", { value: "" }, all), values.map((v) => h("option", { value: v }, v)));
    el.addEventListener("change", () => {
      (filters[name] as string) = el.value;
      offset = 0;
      void load();
    });
    return el;
  };
  const favorite = h("input", { type: "checkbox", name: "favorite" });
  favorite.addEventListener("change", () => {
    filters.favorite = favorite.checked;
    offset = 0;
    void load();
  });
  const search = h("input", { type: "search", name: "search", placeholder: "name or id", "aria-label": "search" });
  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      filters.search = search.value.trim();
      offset = 0;
      void load();
    }, 250);
  });

  const load = async () => {
    const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (filters.status) query.set("status", filters.status);
    if (filters.pattern) query.set("pattern", filters.pattern);
    if (filters.favorite) query.set("favorite", "true");
    if (filters.search) query.set("search", filters.search);
    try {
      render(await get<HistoryPage>(`/v1/history?${query}`));
    } catch (err) {
      replace(list, h("p", { class: "form-error" }, String(err instanceof Error ? err.message : err)));
    }
  };

  const render = (page: HistoryPage) => {
    const rows = page.runs.map((run) => row(run));
    const pager = h(
      "div",
      { class: "pager" },
      h("button", { type: "button", disabled: offset === 0, onclick: () => ((offset = Math.max(0, offset - PAGE)), void load()) }, "← Newer"),
      h("span", { class: "muted" }, page.total === 0 ? "no runs" : `${offset + 1}–${offset + page.runs.length} of ${page.total}`),
      h("button", { type: "button", disabled: offset + page.runs.length >= page.total, onclick: () => ((offset += PAGE), void load()) }, "Older →"),
    );
    const headers = ["", "★", "Name", "Status", "Pattern", "Type", "Created", "Duration", "Sent", "Confirmed", "Avg tx/s", "Verified", ""];
    replace(list, table(headers, rows, { class: "runs", "data-testid": "history-table" }), pager);
  };

  const row = (run: HistoryRun) => {
    const pick = h("input", { type: "checkbox", "aria-label": `pick ${fmt.runLabel(run)} to compare`, checked: picked.has(run.id) });
    pick.addEventListener("change", () => {
      if (pick.checked) picked.add(run.id);
      else picked.delete(run.id);
      compareButton.disabled = picked.size !== 2;
    });
    const star = h("button", { type: "button", class: `star${run.isFavorite ? " on" : ""}`, title: run.isFavorite ? "unfavourite" : "favourite", "data-action": "favorite" }, run.isFavorite ? "★" : "☆");
    star.addEventListener("click", async () => {
      await api("PATCH", `/v1/history/${run.id}`, { isFavorite: !run.isFavorite });
      await load();
    });
    const name = h("span", { class: "name-cell" }, h("a", { href: `#/run/${run.id}` }, fmt.runLabel(run)), renameButton(run, load));
    const remove = h("button", { type: "button", class: "link danger", title: "delete", disabled: (ACTIVE_STATUSES as readonly string[]).includes(run.status) }, "delete");
    remove.addEventListener("click", async () => {
      if (!confirm(`Delete run ${fmt.runLabel(run)} and its records?`)) return;
      await api("DELETE", `/v1/history/${run.id}`);
      picked.delete(run.id);
      await load();
    });
    const verified = run.verification ? (run.verification.verified ? h("span", { class: "ok" }, "✓") : h("span", { class: "bad" }, "✗")) : "–";
    return [pick, star, name, h("span", { class: `badge status-${run.status}` }, run.status), run.pattern, run.transactionType, fmt.dateTime(run.createdAt), fmt.duration(run.durationMs), run.txSent, run.txConfirmed, fmt.num(run.averageTps, 1), verified, remove];
  };

  const element = h(
    "section",
    { class: "card history" },
    h("div", { class: "history-head" }, h("h2", {}, "History"), compareButton),
    h(
      "div",
      { class: "filters" },
      select("status", options.statuses, "any status"),
      select("pattern", options.patterns, "any pattern"),
      h("label", {}, favorite, " favourites only"),
      search,
    ),
    list,
  );
  void load();
  return { element };
}

/** ✎ turns the name into an input; Enter or leaving it saves (blank: back to the run's own name). */
function renameButton(run: HistoryRun, reload: () => Promise<void>): HTMLElement {
  const button = h("button", { type: "button", class: "link", title: "rename", "data-action": "rename" }, "✎");
  button.addEventListener("click", () => {
    const cell = button.parentElement!;
    const input = h("input", { type: "text", value: run.customName ?? run.name ?? "", maxlength: 200, "aria-label": "new name" });
    let saved = false;
    const save = async () => {
      if (saved) return;
      saved = true;
      await api("PATCH", `/v1/history/${run.id}`, { customName: input.value.trim() || null });
      await reload();
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") void save();
      if (event.key === "Escape") void reload();
    });
    input.addEventListener("blur", () => void save());
    replace(cell, input);
    input.focus();
    input.select();
  });
  return button;
}
