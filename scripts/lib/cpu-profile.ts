/**
 * Reading a V8 CPU profile of the bundled worker: each sampled frame mapped back through the
 * bundle's source map to its source file and function, then summed by file and by function, as
 * self time (where the samples landed) and inclusive time (what ran under a function).
 */
import { readFileSync } from "node:fs";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
}

type Frame = { fn: string; file: string };

/** Where a frame came from: the source file (relative to the project) and the function, or the runtime's own. */
function framesOf(nodes: ProfileNode[], sourceMapPath: string | undefined): Map<number, Frame> {
  const map = sourceMapPath ? new TraceMap(readFileSync(sourceMapPath, "utf8")) : undefined;
  const frames = new Map<number, Frame>();
  for (const n of nodes) {
    const { functionName, url, lineNumber, columnNumber } = n.callFrame;
    const name = functionName || "(anonymous)";
    if (!url) {
      frames.set(n.id, { fn: name, file: "(native)" });
      continue;
    }
    if (url.startsWith("wasm://")) {
      frames.set(n.id, { fn: name, file: "(wasm: libsecp256k1)" });
      continue;
    }
    const at = map && lineNumber >= 0 ? originalPositionFor(map, { line: lineNumber + 1, column: Math.max(0, columnNumber) }) : undefined;
    const file = at?.source ? at.source.replace(/^.*?\/(src|node_modules)\//, "$1/") : url;
    frames.set(n.id, { fn: `${name}  ${file}${at?.line ? `:${at.line}` : ""}`, file });
  }
  return frames;
}

/** A file's group: a package for dependencies, the file itself for the project's sources. */
const groupOf = (file: string) => (file.startsWith("node_modules/") ? file.split("/").slice(0, file.startsWith("node_modules/@") ? 3 : 2).join("/") : file);

export interface ProfileSummary {
  samples: number;
  selfByFile: Array<[string, number]>;
  selfByFunction: Array<[string, number]>;
  inclusiveByFunction: Array<[string, number]>;
  callers: Record<string, Array<[string, number]>>;
}

/** Shares (0–1) of the profile's samples, largest first. */
export function summarizeProfile(profile: CpuProfile, sourceMapPath?: string, callersOf: string[] = ["exec", "(garbage collector)"]): ProfileSummary {
  const { nodes } = profile;
  const frames = framesOf(nodes, sourceMapPath);
  const parent = new Map<number, number>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const selfByFile = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const callers = new Map<string, Map<string, number>>(callersOf.map((name) => [name, new Map()]));
  const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);
  for (const n of nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const frame = frames.get(n.id)!;
    add(selfByFile, groupOf(frame.file), hits);
    add(selfByFunction, frame.fn, hits);
    const up = parent.get(n.id);
    if (callers.has(n.callFrame.functionName)) add(callers.get(n.callFrame.functionName)!, up === undefined ? "(root)" : frames.get(up)!.fn, hits);
    // Each function once per stack, however deep it recurses.
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const fn = frames.get(id)!.fn;
      if (!seen.has(fn)) add(inclusive, fn, hits);
      seen.add(fn);
    }
  }
  const shares = (m: Map<string, number>) => [...m].map(([k, v]): [string, number] => [k, v / samples]).sort((a, b) => b[1] - a[1]);
  return {
    samples,
    selfByFile: shares(selfByFile),
    selfByFunction: shares(selfByFunction),
    inclusiveByFunction: shares(inclusive).filter(([fn]) => !fn.startsWith("(root)")),
    callers: Object.fromEntries([...callers].map(([name, m]) => [name, shares(m)])),
  };
}

export function printSummary(s: ProfileSummary, top = 35): void {
  const print = (title: string, rows: Array<[string, number]>) => {
    console.log(`\n${title}`);
    for (const [name, share] of rows.slice(0, top)) console.log(`${(100 * share).toFixed(1).padStart(6)} %  ${name}`);
  };
  print(`by file, self time (${s.samples} samples)`, s.selfByFile);
  print("by function, self time", s.selfByFunction);
  print("by function, inclusive (what ran under it)", s.inclusiveByFunction);
  for (const [name, rows] of Object.entries(s.callers)) if (rows.length > 0) print(`${name}: called from`, rows.slice(0, 12));
}
