/** The options every command shares: where the API is and its token (a flag or, better, the environment). */
import { Option, type Command } from "commander";
import { Api } from "./api";

export interface ConnectionOptions {
  url: string;
  token?: string;
}

export function withConnection(command: Command): Command {
  return command
    .addOption(new Option("--url <url>", "the loadgen API, e.g. http://127.0.0.1:8787 or https://loadgen.example.workers.dev").env("LOADGEN_URL").makeOptionMandatory())
    .addOption(new Option("--token <token>", "the API token, if the worker has API_TOKEN set (prefer the environment variable: flags stay in shell history and process lists)").env("LOADGEN_TOKEN"));
}

export const apiOf = (options: ConnectionOptions) => new Api({ url: options.url, token: options.token || undefined });
