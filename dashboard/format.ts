/** How figures read on the page. */

export function num(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return value >= 10_000 ? `${num(value / 1000, 1)} s` : `${num(value)} ms`;
}

export function duration(valueMs: number | null | undefined): string {
  if (valueMs === null || valueMs === undefined) return "–";
  const s = Math.round(valueMs / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function dateTime(epochMs: number | null | undefined): string {
  if (!epochMs) return "–";
  return new Date(epochMs).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "medium" });
}

export const shortId = (id: string) => id.slice(0, 8);

/** What a run is called on the page: its custom name, its name, or the start of its id. */
export function runLabel(run: { id: string; name: string | null; customName?: string | null }): string {
  return run.customName || run.name || shortId(run.id);
}

/** `b` against `a` in percent ("–" when either is missing or `a` is 0). */
export function change(a: number | null, b: number | null): string {
  if (a === null || b === null || a === 0) return "–";
  const pct = ((b - a) / Math.abs(a)) * 100;
  return `${pct > 0 ? "+" : ""}${num(pct, 1)} %`;
}
