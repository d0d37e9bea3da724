/** Resident memory of a process tree on Linux, read from /proc: what `wrangler dev`'s workerd holds. */
import { readdirSync, readFileSync } from "node:fs";

/**
 * Σ VmRSS, in MiB, of the processes named `name` whose process group is `pgid` (a child started
 * detached leads its own group, so this is one `wrangler dev` and the runtime it started).
 */
export function groupRssMb(pgid: number, name = "workerd"): number {
  let kb = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of /proc/PID/stat is the process group; the command name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid || !comm.includes(name)) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      kb += rss ? Number(rss[1]) : 0;
    } catch {
      // The process ended while we looked.
    }
  }
  return Math.round(kb / 1024);
}
