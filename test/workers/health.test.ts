import { describe, expect, it } from "vitest";
import { apiJson } from "./helpers";

describe("health and readiness", () => {
  it("reports healthy under /v1 and unversioned", async () => {
    for (const path of ["/v1/health", "/health"]) {
      const { status, body } = await apiJson(path);
      expect(status).toBe(200);
      expect(body).toEqual({ status: "ok" });
    }
  });

  it("is ready when the builder and L2 RPC answer, with their block numbers", async () => {
    const { status, body } = await apiJson("/v1/ready");
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.builder.ok).toBe(true);
    expect(typeof body.l2.blockNumber).toBe("number");
  });
});
