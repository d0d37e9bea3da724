/**
 * The builder feeds' figures as label/value pairs, for the live card and a run's page: none for a
 * run that read no feed (anvil, or no URL set), so such a run's page looks as it always did.
 */
import * as fmt from "./format";
import type { TestMetrics } from "./types";

export function builderFigures(m: Pick<TestMetrics, "builder" | "preconfLatency">): Array<[string, string]> {
  const b = m.builder;
  if (!b) return [];
  const reconnects = b.feeds.preconf.reconnects + b.feeds.blockMetrics.reconnects + b.feeds.flashblocks.reconnects;
  const byIndex = Object.entries(b.ours.byFlashblockIndex)
    .sort(([a], [c]) => parseInt(a, 10) - parseInt(c, 10))
    .map(([index, n]) => `${index}: ${fmt.num(n)}`)
    .join(" · ");
  return [
    ["preconf p50 / p99", `${fmt.ms(m.preconfLatency.p50)} / ${fmt.ms(m.preconfLatency.p99)}`],
    ["revoked / dropped / requeued", `${fmt.num(b.ours.revoked)} / ${fmt.num(b.ours.dropped)} / ${fmt.num(b.ours.requeued)}`],
    ["blocks built (build p50)", `${fmt.num(b.feeds.blockMetrics.blocks)} (${fmt.ms(b.feeds.blockMetrics.buildTimeMs.p50)})`],
    ["first flashblock index", byIndex || "–"],
    ["feed events lost / reconnects", `${fmt.num(b.feeds.preconf.lostEvents)} / ${fmt.num(reconnects)}`],
  ];
}
