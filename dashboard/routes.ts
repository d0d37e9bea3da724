/** The page's routes, in the URL's hash (the worker serves one page; every view lives in it). Pure. */
export type Route = { name: "live" } | { name: "history" } | { name: "run"; id: string } | { name: "compare"; a: string; b: string } | { name: "unknown"; hash: string };

const ID = "[0-9a-fA-F-]{36}";

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  if (path === "/") return { name: "live" };
  if (path === "/history") return { name: "history" };
  const run = new RegExp(`^/run/(${ID})$`).exec(path);
  if (run) return { name: "run", id: run[1] };
  const compare = new RegExp(`^/compare/(${ID})/(${ID})$`).exec(path);
  if (compare) return { name: "compare", a: compare[1], b: compare[2] };
  return { name: "unknown", hash };
}
