/** Request parsing: a zod failure becomes a 400 that names each field and the rule it broke. */
import type { Context } from "hono";
import { z } from "zod";
import { ApiError } from "../errors";

/** One entry of a 400's `details` (the OpenAPI document describes the 400 with this schema). */
export const fieldProblem = z.object({ field: z.string(), message: z.string() });
export type FieldProblem = z.infer<typeof fieldProblem>;

export function problemsOf(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => {
    const keys = (issue as { keys?: string[] }).keys;
    const path = issue.path.map(String).join(".");
    return { field: keys?.length ? keys.map((k) => (path ? `${path}.${k}` : k)).join(", ") : path || "body", message: issue.message };
  });
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = problemsOf(result.error);
  const summary = problems.map((p) => `${p.field}: ${p.message}`).join("; ");
  throw new ApiError(400, `invalid ${what}: ${summary}`, problems);
}

export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let body: unknown;
  try {
    const text = await c.req.text();
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid request body: body: not valid JSON", [{ field: "body", message: "not valid JSON" }]);
  }
  return parseWith(schema, body, "request body");
}

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query(), "query");
}
