/** `loadgen report ID`: a past run as one HTML file that opens offline (uPlot and the data inlined). */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import { apiOf, withConnection, type ConnectionOptions } from "../connection";
import { reportHtml, type RunDetail } from "../report-html";
import { readUplotAssets } from "../uplot-assets";

export function reportCommand(): Command {
  return withConnection(new Command("report").description("write a self-contained HTML report of a past run"))
    .argument("<id>", "the run's id (see `loadgen history`)")
    .option("--out <file>", "where to write it (default: loadgen-report-<id>.html)")
    .action(async (id: string, options: ConnectionOptions & { out?: string }) => {
      const detail = await apiOf(options).get<RunDetail>(`/v1/history/${encodeURIComponent(id)}`);
      const out = resolve(options.out ?? `loadgen-report-${detail.run.id}.html`);
      writeFileSync(out, reportHtml(detail, readUplotAssets()));
      process.stdout.write(`${out}\n`);
    });
}
