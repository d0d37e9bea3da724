/**
 * The run form's model, from the JSON Schema of StartTestRequest (generated at build time from the
 * very zod schema that validates /v1/start, so the form offers every pattern, type and region the
 * API takes, with its bounds). Pure: no DOM, tested in Node.
 */

/** The part of JSON Schema that z.toJSONSchema writes for StartTestRequest. */
export interface JsonSchema {
  type?: string;
  enum?: string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  default?: unknown;
  items?: JsonSchema;
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
}

/** The fields that belong to one pattern; every other field applies to all. */
export const PATTERN_FIELDS: Record<string, string[]> = {
  constant: ["constantRate"],
  ramp: ["rampStart", "rampEnd", "rampSteps"],
  spike: ["baselineRate", "spikeRate", "spikeDuration", "spikeInterval"],
  burst: ["burstCount", "burstWindowMs", "burstIntervalSec"],
  adaptive: ["adaptiveInitialRate", "adaptiveTargetPending", "adaptiveRateStep"],
  realistic: ["realisticConfig"],
  "adaptive-realistic": ["realisticConfig", "adaptiveInitialRate", "adaptiveTargetPending", "adaptiveRateStep"],
};

const PATTERN_ONLY = new Set(Object.values(PATTERN_FIELDS).flat());

/** A field as the form shows it: a dotted path into the request and its schema. */
export interface FormField {
  path: string;
  schema: JsonSchema;
  /** What the input holds: a number, a choice of one, a set of choices, or text. */
  kind: "number" | "choice" | "choices" | "text" | "group";
  /** The patterns the field belongs to; empty: every pattern. */
  patterns: string[];
  children: FormField[];
}

/** The fields of the request, in schema order, nested objects as groups. */
export function formFields(schema: JsonSchema, prefix = "", patterns: string[] = []): FormField[] {
  return Object.entries(propertiesOf(schema)).map(([name, node]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    const own = prefix ? patterns : patternsOf(name);
    const kind = kindOf(node);
    return { path, schema: node, kind, patterns: own, children: kind === "group" ? formFields(node, path, own) : [] };
  });
}

function patternsOf(field: string): string[] {
  if (!PATTERN_ONLY.has(field)) return [];
  return Object.entries(PATTERN_FIELDS)
    .filter(([, fields]) => fields.includes(field))
    .map(([pattern]) => pattern);
}

/** An object's properties; a record keyed by an enum (regionWeights) is shown as one field per key. */
function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  if (schema.properties) return schema.properties;
  const keys = schema.propertyNames?.enum;
  const value = schema.additionalProperties;
  if (keys && typeof value === "object") return Object.fromEntries(keys.map((k) => [k, value]));
  return {};
}

function kindOf(node: JsonSchema): FormField["kind"] {
  if (node.type === "object") return "group";
  if (node.type === "number" || node.type === "integer") return "number";
  if (node.type === "array") return "choices";
  if (node.enum) return "choice";
  return "text";
}

/** Whether a field is shown (and sent) for a pattern. */
export const appliesTo = (field: FormField, pattern: string) => field.patterns.length === 0 || field.patterns.includes(pattern);

/** What the inputs hold, by path: text as typed, the checked choices of a set. */
export type FormValues = Record<string, string | string[]>;

/**
 * The request body from the inputs: only the fields of the chosen pattern and those of every
 * pattern, numbers as numbers, nothing for an empty input or an empty group. The API validates
 * the rest and names any field it refuses.
 */
export function buildRequest(fields: FormField[], values: FormValues, pattern: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (!appliesTo(field, pattern)) continue;
    const value = field.kind === "group" ? buildRequest(field.children, values, pattern) : valueOf(field, values[field.path]);
    if (value === undefined || (field.kind === "group" && Object.keys(value as object).length === 0)) continue;
    out[field.path.slice(field.path.lastIndexOf(".") + 1)] = value;
  }
  return out;
}

function valueOf(field: FormField, raw: string | string[] | undefined): unknown {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) return raw.length > 0 ? raw : undefined;
  const text = raw.trim();
  if (text === "") return undefined;
  if (field.kind === "number") {
    const value = Number(text);
    // Not a number: sent as typed, so the API's answer names the field.
    return Number.isFinite(value) ? value : text;
  }
  return text;
}

/** Names that read better than their field name. */
const LABELS: Record<string, string> = {
  numAccounts: "Accounts (0 = auto)",
  transactionType: "Transaction type",
  constantRate: "Rate (tx/s)",
  rampStart: "Ramp start (tx/s)",
  rampEnd: "Ramp end (tx/s)",
  baselineRate: "Baseline rate (tx/s)",
  spikeRate: "Spike rate (tx/s)",
  spikeDuration: "Spike duration (s)",
  spikeInterval: "Spike interval (s)",
  burstCount: "Transactions per burst",
  adaptiveInitialRate: "Initial rate (tx/s)",
  adaptiveTargetPending: "Target pending",
  adaptiveRateStep: "Rate step (tx/s)",
  realisticConfig: "Realistic workload",
  targetTps: "Target (tx/s)",
  txTypeRatios: "Transaction mix (% each, sum 100)",
  regionWeights: "Region weights",
  circuitBreaker: "Circuit breaker",
  reducedTps: "Reduced rate (tx/s)",
};

/** A label from a field name: `durationSec` → "Duration (s)", unless LABELS has a better one. */
export function labelOf(path: string): string {
  const name = path.slice(path.lastIndexOf(".") + 1);
  if (LABELS[name]) return LABELS[name];
  const unit = /Sec$/.test(name) ? " (s)" : /Ms$/.test(name) ? " (ms)" : /Gwei$/.test(name) ? " (gwei)" : "";
  const words = name
    .replace(/(Sec|Ms|Gwei)$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1) + unit;
}
