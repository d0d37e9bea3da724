/** The HTTP API from the page: JSON in and out, with the token when the worker has one. */
import { askToken, forgetToken, storedToken } from "./token";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Array<{ field: string; message: string }> = [],
  ) {
    super(message);
  }
}

/**
 * Before the first call: asks the worker whether it wants a token (an open route) and, if it does
 * and this tab has none yet, asks the user. Resolves to the token, or null for an open worker.
 */
export async function ensureToken(): Promise<string | null> {
  const { tokenRequired } = await call<{ tokenRequired: boolean }>("GET", "/v1/auth");
  if (!tokenRequired) return null;
  return storedToken() ?? askToken("This worker has an API token. Enter it to use the dashboard (it is kept for this tab only):");
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await call<T>(method, path, body);
  } catch (err) {
    if (!(err instanceof ApiFailure) || err.status !== 401) throw err;
    // A token that was refused (changed since, or mistyped): ask again, once.
    forgetToken();
    await askToken("That token was refused. Enter the API token of this worker:");
    return call<T>(method, path, body);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = storedToken();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiFailure(response.status, parsed?.error ?? `HTTP ${response.status}`, Array.isArray(parsed?.details) ? parsed.details : []);
  return parsed as T;
}

export const get = <T>(path: string) => api<T>("GET", path);
