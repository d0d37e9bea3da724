/**
 * Resident memory and CPU time of processes on Linux, read from /proc.
 *
 * Wrangler's dev server runs two workerd processes in its process group: the runtime that runs the
 * worker and every Durable Object (its entry socket on port 0; with `--inspector-addr` under
 * `wrangler dev`), and wrangler's own proxy on the public port, which relays the inspector's events
 * and grows with them. Only the first is the product's.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface ProcessMemory {
  pid: number;
  rssMb: number;
  args: string;
}

interface GroupMember {
  pid: number;
  args: string;
  /** The fields of /proc/PID/stat after the command name: index 0 is field 3 (the state). */
  fields: string[];
}

let clockTicks: number | undefined;
const ticksToMs = (ticks: number) => (ticks * 1000) / (clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100);

/** /proc/PID/stat: the command name (field 2, which may hold spaces) and the fields after it. */
function readStat(pid: number): { comm: string; fields: string[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return { comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), fields: stat.slice(stat.lastIndexOf(")") + 2).split(" ") };
}

/** User + system time (fields 14 and 15 of /proc/PID/stat) in ms, from the fields after the command name. */
const cpuMsOf = (fields: string[]) => ticksToMs(Number(fields[11]) + Number(fields[12]));

/** Every process of process group `pgid` whose command name contains `name` ("" for all). */
function groupMembers(pgid: number, name: string): GroupMember[] {
  const out: GroupMember[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of /proc/PID/stat is the process group; the command name (field 2) may hold spaces.
      const { comm, fields } = readStat(Number(entry));
      if (Number(fields[2]) !== pgid || !comm.includes(name)) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      out.push({ pid: Number(entry), args, fields });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Every process of process group `pgid` whose command name contains `name`, with its resident memory in MiB. */
export function groupProcesses(pgid: number, name = "workerd"): ProcessMemory[] {
  const out: ProcessMemory[] = [];
  for (const { pid, args } of groupMembers(pgid, name)) {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      out.push({ pid, rssMb: Math.round(Number(rss?.[1] ?? 0) / 1024), args });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** The worker runtime (see above): with the inspector off (scripts/dev-worker.ts) it has no `--inspector-addr`. */
const isWorkerRuntime = (args: string) => args.includes("--inspector-addr") || args.includes("--socket-addr=entry=127.0.0.1:0 ");

/** The resident memory of `wrangler dev`'s worker runtime, and of all its workerd processes together. */
export function wranglerDevMemory(pgid: number): { workerMb: number; totalMb: number } {
  const processes = groupProcesses(pgid);
  const worker = processes.filter((p) => isWorkerRuntime(p.args));
  const sum = (ps: ProcessMemory[]) => ps.reduce((s, p) => s + p.rssMb, 0);
  return { workerMb: sum(worker), totalMb: sum(processes) };
}

/** User + system CPU time so far, in ms, of process `pid` (all its threads); 0 once it has ended. */
export function processCpuMs(pid: number): number {
  try {
    return cpuMsOf(readStat(pid).fields);
  } catch {
    return 0;
  }
}

/**
 * The whole machine's CPU time so far, in ms summed over every core: busy (user, nice, system,
 * irq, softirq) and in all. Idle, I/O wait and steal (a virtual machine's time taken by its host)
 * are not busy. The first line of /proc/stat, in clock ticks.
 */
export function machineCpuMs(): { busyMs: number; totalMs: number } {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is counted within user already).
  const [user, nice, system, , , irq, softirq] = ticks;
  const total = ticks.slice(0, 8).reduce((sum, t) => sum + t, 0);
  return { busyMs: ticksToMs(user + nice + system + irq + softirq), totalMs: ticksToMs(total) };
}

/**
 * User + system CPU time so far, in ms, of `wrangler dev`'s worker runtime and of its whole process
 * group (wrangler's Node process and its proxy workerd too). Fields 14 and 15 of /proc/PID/stat,
 * in clock ticks (a process that ended no longer counts).
 */
export function wranglerDevCpuMs(pgid: number): { workerMs: number; groupMs: number } {
  const ms = (m: GroupMember) => cpuMsOf(m.fields);
  const members = groupMembers(pgid, "");
  return {
    workerMs: members.filter((m) => isWorkerRuntime(m.args)).reduce((s, m) => s + ms(m), 0),
    groupMs: members.reduce((s, m) => s + ms(m), 0),
  };
}
