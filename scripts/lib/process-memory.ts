/**
 * Resident memory of processes on Linux, read from /proc.
 *
 * `wrangler dev` runs two workerd processes in its process group: the runtime that runs the worker
 * and every Durable Object (started with `--inspector-addr`), and wrangler's own proxy on the public
 * port, which relays the inspector's events and grows with them. Only the first is the product's.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessMemory {
  pid: number;
  rssMb: number;
  args: string;
}

/** Every process of process group `pgid` whose command name contains `name`, with its resident memory in MiB. */
export function groupProcesses(pgid: number, name = "workerd"): ProcessMemory[] {
  const out: ProcessMemory[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of /proc/PID/stat is the process group; the command name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== pgid || !comm.includes(name)) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      out.push({ pid: Number(entry), rssMb: Math.round(Number(rss?.[1] ?? 0) / 1024), args });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** The resident memory of `wrangler dev`'s worker runtime, and of all its workerd processes together. */
export function wranglerDevMemory(pgid: number): { workerMb: number; totalMb: number } {
  const processes = groupProcesses(pgid);
  const worker = processes.filter((p) => p.args.includes("--inspector-addr"));
  const sum = (ps: ProcessMemory[]) => ps.reduce((s, p) => s + p.rssMb, 0);
  return { workerMb: sum(worker), totalMb: sum(processes) };
}
