/**
 * Prometheus's own linter, when it is installed: `promtool check metrics` reads an exposition on
 * stdin and exits 0 when it parses and follows the naming rules. Not installed on every machine
 * (nor in CI): tests that use it are skipped, and say so in their names, when it is not on PATH.
 */
import { spawnSync } from "node:child_process";

export const hasPromtool = !spawnSync("promtool", ["--version"], { stdio: "ignore" }).error;

export function promtoolCheckMetrics(text: string): { exitCode: number | null; output: string } {
  const result = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
  if (result.error) throw result.error;
  return { exitCode: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}
