/** The HTTP API as the CLI uses it: JSON in and out, the bearer token on every request, refusals as errors. */

/** The API said no (4xx/5xx): its `error` text names the field or the reason. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly route: string,
    readonly apiMessage: string,
  ) {
    super(`${route} refused (HTTP ${status}): ${apiMessage}`);
    this.name = "ApiRefusal";
  }
}

export interface ApiOptions {
  url: string;
  /** Sent as `Authorization: Bearer …`; never printed. */
  token?: string;
  timeoutMs?: number;
}

export class Api {
  private readonly base: string;

  constructor(private readonly options: ApiOptions) {
    this.base = options.url.replace(/\/+$/, "");
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const route = `${method} ${path}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
      throw new Error(`${route}: cannot reach ${this.base} (${err instanceof Error ? err.message : String(err)}${cause})`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const message = (parsed as { error?: unknown } | undefined)?.error;
      throw new ApiRefusal(response.status, route, typeof message === "string" ? message : text.slice(0, 500) || response.statusText);
    }
    if (parsed === undefined) throw new Error(`${route}: the answer is not JSON: ${text.slice(0, 200)}`);
    return parsed as T;
  }
}
