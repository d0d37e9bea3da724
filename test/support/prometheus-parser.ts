/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests of GET /v1/metrics.
 * Stricter than Prometheus itself where the format leaves room our renderer never uses: every line
 * is a comment, a HELP or TYPE line, or a sample; every family has a TYPE (and a HELP) before its
 * first sample, is declared once and written as one group; no blank line, no trailing comma in
 * labels, no duplicate series; values are floats the way Go's ParseFloat reads them; counters are
 * never negative; every summary series has its quantiles in ascending order, then _sum and _count.
 * Anything else throws an Error naming the line.
 */

export type MetricType = "counter" | "gauge" | "summary" | "histogram" | "untyped";

export interface ParsedSample {
  /** The sample's own name (`x_sum`, `x_count` for a summary's parts). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const TYPES: readonly MetricType[] = ["counter", "gauge", "summary", "histogram", "untyped"];

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith("\n")) throw new Error("the text does not end with a line feed");
  const families = new Map<string, ParsedFamily>();
  const series = new Set<string>();
  let current: ParsedFamily | undefined;
  let declaring: { name: string; help?: string; type?: MetricType } | undefined;
  const lines = text.slice(0, -1).split("\n");

  lines.forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1} (${JSON.stringify(line)}): ${why}`);
    };
    if (line === "") fail("blank line");
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, keyword, name, rest = ""] = meta;
      if (!METRIC_NAME.test(name)) fail(`bad metric name ${name}`);
      if (families.has(name)) fail(`${name} declared again after its samples`);
      if (declaring?.name !== name) declaring = { name };
      if (keyword === "HELP") {
        if (declaring.help !== undefined) fail("a second HELP");
        declaring.help = unescape(rest, false, fail);
      } else {
        if (declaring.type !== undefined) fail("a second TYPE");
        if (!TYPES.includes(rest as MetricType)) fail(`unknown type ${rest}`);
        declaring.type = rest as MetricType;
      }
      if (declaring.help !== undefined && declaring.type !== undefined) {
        current = { name, type: declaring.type, help: declaring.help, samples: [] };
        families.set(name, current);
        declaring = undefined;
      }
      return;
    }
    if (line.startsWith("#")) return;
    if (declaring) fail(`${declaring.name} needs both HELP and TYPE before its samples`);

    const sample = parseSample(line, fail);
    if (!current || !belongsTo(sample, current)) fail(`${sample.name} is not a sample of the family declared just before (${current?.name ?? "none"})`);
    const key = `${sample.name}{${Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
    if (series.has(key)) fail(`duplicate series ${key}`);
    series.add(key);
    if (current!.type === "counter" && !(sample.value >= 0)) fail("a counter below zero or NaN");
    current!.samples.push(sample);
  });
  if (declaring) throw new Error(`${declaring.name} has HELP or TYPE but not both`);
  for (const family of families.values()) if (family.type === "summary") checkSummary(family);
  return families;
}

function belongsTo(sample: ParsedSample, family: ParsedFamily): boolean {
  if (family.type === "summary") {
    if (sample.name === family.name) return "quantile" in sample.labels;
    return (sample.name === `${family.name}_sum` || sample.name === `${family.name}_count`) && !("quantile" in sample.labels);
  }
  if (family.type === "histogram") return [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(sample.name);
  return sample.name === family.name;
}

function parseSample(line: string, fail: (why: string) => never): ParsedSample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1] ?? fail("not a comment, HELP, TYPE or sample line");
  let at = head.length;
  const labels: Record<string, string> = {};
  if (line[at] === "{") {
    at += 1;
    while (line[at] !== "}") {
      const name = /^[^=]*/.exec(line.slice(at))![0];
      if (!LABEL_NAME.test(name) || name.startsWith("__")) fail(`bad label name ${JSON.stringify(name)}`);
      if (name in labels) fail(`label ${name} twice`);
      at += name.length;
      if (line.slice(at, at + 2) !== '="') fail(`label ${name} without a quoted value`);
      at += 2;
      let raw = "";
      while (line[at] !== '"') {
        if (at >= line.length) fail(`label ${name}'s value is not closed`);
        if (line[at] === "\\") raw += line[at++];
        raw += line[at++];
      }
      labels[name] = unescape(raw, true, fail);
      at += 1;
      if (line[at] === ",") {
        at += 1;
        if (line[at] === "}") fail("a trailing comma in labels");
      } else if (line[at] !== "}") fail(`expected , or } after label ${name}`);
    }
    at += 1;
  }
  const rest = /^ (\S+)(?: (-?\d+))?$/.exec(line.slice(at)) ?? fail("expected one space, a value and an optional timestamp");
  if (!FLOAT.test(rest[1])) fail(`value ${rest[1]} is not a float`);
  const value = rest[1].endsWith("Inf") ? (rest[1].startsWith("-") ? -Infinity : Infinity) : Number(rest[1]);
  return { name: head, labels, value };
}

/** HELP escapes `\\` and `\n`; a label value also `\"`. Any other backslash is an error. */
function unescape(raw: string, labelValue: boolean, fail: (why: string) => never): string {
  return raw.replace(/\\(.?)/g, (_, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    if (c === '"' && labelValue) return '"';
    return fail(`bad escape \\${c}`);
  });
}

/** Per series (labels but quantile): quantiles in [0, 1] ascending, then exactly one _sum and one _count. */
function checkSummary(family: ParsedFamily): void {
  const groups = new Map<string, { quantiles: number[]; parts: string[] }>();
  for (const s of family.samples) {
    const { quantile, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { quantiles: [], parts: [] };
    groups.set(key, group);
    if (s.name === family.name) {
      if (group.parts.length > 0) throw new Error(`${family.name}${key}: a quantile after _sum or _count`);
      const q = Number(quantile);
      if (!FLOAT.test(quantile) || !(q >= 0 && q <= 1)) throw new Error(`${family.name}${key}: quantile ${quantile} is not in [0, 1]`);
      if (group.quantiles.length > 0 && q <= group.quantiles[group.quantiles.length - 1]) throw new Error(`${family.name}${key}: quantiles not in ascending order`);
      group.quantiles.push(q);
    } else {
      if (s.name.endsWith("_count") && !(Number.isInteger(s.value) && s.value >= 0)) throw new Error(`${family.name}${key}: _count ${s.value} is not a whole number`);
      group.parts.push(s.name.slice(family.name.length));
    }
  }
  for (const [key, group] of groups) {
    if (group.parts.join(",") !== "_sum,_count") throw new Error(`${family.name}${key}: expected _sum then _count, got ${group.parts.join(",") || "neither"}`);
  }
}

/** The value of the one sample named `name` with exactly these labels (throws when there is none). */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const family of families.values()) {
    for (const s of family.samples) if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want) return s.value;
  }
  throw new Error(`no sample ${name} ${want}`);
}
