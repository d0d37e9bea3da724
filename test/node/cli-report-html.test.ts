/** `loadgen report`'s HTML: uPlot and the data inlined, every figure escaped, nothing fetched from anywhere. */
import { describe, expect, it } from "vitest";
import { reportHtml, type RunDetail } from "../../cli/report-html";
import { readUplotAssets } from "../../cli/uplot-assets";
import { runRow } from "../support/run-row";

const HOSTILE = `</script><script>alert("x")</script><!--`;

const detail: RunDetail = {
  run: runRow({
    id: "0b7e0e7a-1111-4000-8000-00000000beef",
    name: HOSTILE,
    config: { pattern: "constant", durationSec: 2, constantRate: 5, name: HOSTILE },
    errors: { "rpc-5xx": 3 },
  }),
  timeSeries: [0, 1, 2].map((second) => ({ runId: "0b7e0e7a-1111-4000-8000-00000000beef", second, txSent: 4 - second, txConfirmed: 3, txFailed: 0, currentTps: 3.5, targetTps: 5, pending: 1, gasUsed: "63000", mgasPerSec: 0.06, fillRate: 0.21, preconfP50Ms: null, builtBlocks: null, builtTxCount: null, buildTimeMs: null })),
};

const html = reportHtml(detail, readUplotAssets());

/** The JSON of the report's data element, as the page's own script reads it. */
function inlinedData(page: string): unknown {
  const match = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(page);
  if (!match) throw new Error("no data element");
  return JSON.parse(match[1]);
}

describe("reportHtml", () => {
  it("inlines uPlot's script and stylesheet from node_modules", () => {
    const { js, css } = readUplotAssets();
    expect(js).toMatch(/^\/\*! https:\/\/github.com\/leeoniya\/uPlot/);
    expect(html).toContain(`<script>${js}</script>`);
    expect(html).toContain(`<style>${css}</style>`);
  });

  it("inlines the run and its series as data the page can read back whole", () => {
    expect(inlinedData(html)).toEqual(detail);
  });

  it("escapes every figure, so a name cannot close a script or open markup", () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain(`<script>alert`);
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)");
    // Three scripts of our own (data, uPlot, charts): none more.
    expect(html.match(/<script[\s>]/g)).toHaveLength(3);
  });

  it("prints the figures as tables without needing a script", () => {
    expect(html).toContain("<th>run id</th><td>0b7e0e7a-1111-4000-8000-00000000beef</td>");
    expect(html).toContain("<th>sent / confirmed</th><td>9 / 9</td>");
    expect(html).toContain("<tr><td>confirm</td><td>9</td><td>225</td><td>595.95</td><td>854.21</td><td>1002.43</td><td>1002.43</td><td>1002.43</td><td>1045</td><td>605.44</td></tr>");
    expect(html).toContain("<tr><td>rpc-5xx</td><td>3</td></tr>");
    expect(html).toContain('<p class="verdict ok">verified on chain</p>');
  });

  it("says when a run was not verified, and why", () => {
    const failed = reportHtml({ ...detail, run: { ...detail.run, verification: { verified: false, problems: ["3 accounts with gaps"] } } }, readUplotAssets());
    expect(failed).toContain('<p class="verdict bad">NOT verified: 3 accounts with gaps</p>');
    const unverified = reportHtml({ ...detail, run: { ...detail.run, verification: null, errorMessage: "funding failed" } }, readUplotAssets());
    expect(unverified).toContain('<p class="verdict unknown">not verified: funding failed</p>');
  });

  it("refers to nothing outside the file", () => {
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
  });

  it("refuses assets that would close their own element", () => {
    expect(() => reportHtml(detail, { js: "a</script>b", css: "" })).toThrow(/uPlot's script contains a closing tag/);
  });
});
