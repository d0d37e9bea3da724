/**
 * A small JSON Schema 2020-12 checker for tests of the OpenAPI document: it says which fields of a
 * value the document's schema refuses, independently of zod (which wrote the schema). It knows the
 * keywords below and throws on any other, so a schema it cannot judge is never passed unread.
 * `format` is an annotation in 2020-12 and is not checked.
 */

export interface SchemaProblem {
  /** Dotted like the API's 400 `details[].field`: `request.durationSec`, `regions.0`. */
  field: string;
  keyword: string;
}

type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "default", "examples", "format", "deprecated", "readOnly", "writeOnly"]);
const CHECKED = new Set([
  "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "propertyNames", "minimum", "maximum",
  "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "items", "minItems", "maxItems",
  "uniqueItems", "anyOf", "oneOf", "allOf", "not",
]);

/** Problems of `value` under `schema`; `root` resolves local `$ref`s (`#/components/schemas/X`). */
export function checkJsonSchema(schema: Schema, value: unknown, root: unknown, field = ""): SchemaProblem[] {
  if (schema === true) return [];
  if (schema === false) return [{ field, keyword: "false" }];
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !CHECKED.has(keyword)) throw new Error(`json-schema-check: unsupported keyword ${keyword} at ${field || "(root)"}`);
  }
  const s = schema as Record<string, any>;
  const problems: SchemaProblem[] = [];
  const fail = (keyword: string, at = field) => problems.push({ field: at, keyword });
  const child = (key: string | number) => (field ? `${field}.${key}` : String(key));

  if (s.$ref !== undefined) problems.push(...checkJsonSchema(resolve(root, s.$ref), value, root, field));
  if (s.type !== undefined && ![s.type].flat().some((t: string) => hasType(value, t))) return [...problems, { field, keyword: "type" }];
  if (s.enum !== undefined && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) fail("enum");
  if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value)) fail("const");

  if (typeof value === "number") {
    if (s.minimum !== undefined && value < s.minimum) fail("minimum");
    if (s.maximum !== undefined && value > s.maximum) fail("maximum");
    if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) fail("exclusiveMinimum");
    if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) fail("exclusiveMaximum");
    if (s.multipleOf !== undefined && !Number.isInteger(value / s.multipleOf)) fail("multipleOf");
  }
  if (typeof value === "string") {
    const length = [...value].length;
    if (s.minLength !== undefined && length < s.minLength) fail("minLength");
    if (s.maxLength !== undefined && length > s.maxLength) fail("maxLength");
    if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) fail("pattern");
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) fail("minItems");
    if (s.maxItems !== undefined && value.length > s.maxItems) fail("maxItems");
    if (s.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) fail("uniqueItems");
    if (s.items !== undefined) value.forEach((item, i) => problems.push(...checkJsonSchema(s.items, item, root, child(i))));
  }
  if (isObject(value)) {
    for (const name of s.required ?? []) if (!(name in value)) fail("required", child(name));
    for (const [key, item] of Object.entries(value)) {
      if (s.propertyNames !== undefined && checkJsonSchema(s.propertyNames, key, root).length > 0) fail("propertyNames", child(key));
      if (s.properties && key in s.properties) problems.push(...checkJsonSchema(s.properties[key], item, root, child(key)));
      else if (s.additionalProperties !== undefined) problems.push(...checkJsonSchema(s.additionalProperties, item, root, child(key)).map((p) => (p.keyword === "false" ? { ...p, keyword: "additionalProperties" } : p)));
    }
  }
  for (const part of s.allOf ?? []) problems.push(...checkJsonSchema(part, value, root, field));
  if (s.anyOf && !s.anyOf.some((part: Schema) => checkJsonSchema(part, value, root, field).length === 0)) fail("anyOf");
  if (s.oneOf && s.oneOf.filter((part: Schema) => checkJsonSchema(part, value, root, field).length === 0).length !== 1) fail("oneOf");
  if (s.not && checkJsonSchema(s.not, value, root, field).length === 0) fail("not");
  return problems;
}

function resolve(root: unknown, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`json-schema-check: only local $refs, not ${ref}`);
  let at: any = root;
  for (const part of ref.slice(2).split("/")) {
    at = at?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    if (at === undefined) throw new Error(`json-schema-check: ${ref} resolves to nothing`);
  }
  return at;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}
