/**
 * One `run` flag per StartTestRequest field, read from the very zod schema the API validates with
 * (through its JSON Schema): a field added to the schema is a flag without a change here. Values are
 * only parsed into their JSON type; ranges and rules are the API's to check, and its 400 names the field.
 */
import { InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { startTestRequest } from "../src/api/schemas";

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  propertyNames?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  default?: unknown;
  description?: string;
}

type Kind = "number" | "integer" | "string" | "boolean" | "list" | "json";

export interface RequestFlag {
  field: string;
  /** `--duration-sec`: commander reads it back as the attribute `durationSec`, the field's name. */
  flag: string;
  kind: Kind;
  description: string;
}

export const REQUEST_FLAGS_GROUP = "Request fields (StartTestRequest; see also the short forms):";

const kebab = (field: string) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function kindOf(schema: JsonSchema): Kind {
  if (schema.type === "number" || schema.type === "integer" || schema.type === "string" || schema.type === "boolean") return schema.type;
  if (schema.type === "array" && schema.items && ["string", "number", "integer"].includes(schema.items.type ?? "")) return "list";
  // Objects, records and anything nested: one JSON value, as the request body carries it.
  return "json";
}

function range(s: JsonSchema): string {
  const low = s.exclusiveMinimum !== undefined ? `>${s.exclusiveMinimum}` : s.minimum;
  return low === undefined && s.maximum === undefined ? "" : ` ${low ?? "…"} to ${s.maximum ?? "…"}`;
}

function jsonShape(s: JsonSchema): string {
  if (s.properties) return ` object {${Object.keys(s.properties).join(", ")}}`;
  if (s.propertyNames?.enum && typeof s.additionalProperties === "object") return ` object {${s.propertyNames.enum.join("|")}: ${s.additionalProperties.type ?? "value"}}`;
  return "";
}

/** The schema's own description when it has one, else what the JSON Schema says about the value. */
function describe(s: JsonSchema, kind: Kind): string {
  if (s.description) return s.description;
  const fallback =
    kind === "list"
      ? `comma-separated list${s.items?.enum ? ` of ${s.items.enum.join(", ")}` : ""} (or repeat the flag)`
      : kind === "json"
        ? `JSON${jsonShape(s)}`
        : s.enum
          ? `one of ${s.enum.join(", ")}`
          : `${kind}${range(s)}`;
  return s.default === undefined ? fallback : `${fallback} (default ${JSON.stringify(s.default)})`;
}

const schema = z.toJSONSchema(startTestRequest, { io: "input", unrepresentable: "any" }) as JsonSchema;

export const REQUEST_FLAGS: readonly RequestFlag[] = Object.entries(schema.properties ?? {}).map(([field, s]) => {
  const kind = kindOf(s);
  return { field, flag: `--${kebab(field)}`, kind, description: describe(s, kind) };
});

function parserFor(flag: RequestFlag): (raw: string, previous: unknown) => unknown {
  switch (flag.kind) {
    case "number":
    case "integer":
      return (raw) => {
        const n = Number(raw);
        if (raw.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag.flag} takes a number, not ${JSON.stringify(raw)}`);
        return n;
      };
    case "boolean":
      return (raw) => {
        if (raw !== "true" && raw !== "false") throw new InvalidArgumentError(`${flag.flag} takes true or false`);
        return raw === "true";
      };
    case "list":
      return (raw, previous) => [...(Array.isArray(previous) ? previous : []), ...raw.split(",").map((v) => v.trim()).filter((v) => v !== "")];
    case "json":
      return (raw) => {
        try {
          return JSON.parse(raw);
        } catch {
          throw new InvalidArgumentError(`${flag.flag} takes JSON, e.g. ${flag.flag} '{"…": …}'`);
        }
      };
    case "string":
      return (raw) => raw;
  }
}

/** The commander options for every field; throws if a field's flag would clash with one of `reserved`. */
export function requestOptions(reserved: readonly string[]): Option[] {
  return REQUEST_FLAGS.map((flag) => {
    if (reserved.includes(flag.flag)) throw new Error(`StartTestRequest field ${flag.field} would take the CLI's own flag ${flag.flag}`);
    const argument = flag.kind === "boolean" ? "<true|false>" : flag.kind === "list" ? "<a,b,…>" : flag.kind === "json" ? "<json>" : `<${flag.kind === "string" ? "value" : flag.kind}>`;
    const option = new Option(`${flag.flag} ${argument}`, flag.description).argParser(parserFor(flag)).helpGroup(REQUEST_FLAGS_GROUP);
    if (option.attributeName() !== flag.field) throw new Error(`${flag.flag} would be read back as ${option.attributeName()}, not the field ${flag.field}`);
    return option;
  });
}

/** The fields given as flags, by name: commander stores each under the field's own name. */
export function fieldsFromOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(REQUEST_FLAGS.filter((f) => options[f.field] !== undefined).map((f) => [f.field, options[f.field]]));
}
