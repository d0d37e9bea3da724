/**
 * The worker served locally by wrangler's own dev server (`unstable_startWorker`: the same
 * Miniflare and workerd as `wrangler dev`, the same wrangler.toml), with its DevTools inspector off.
 *
 * Why not `wrangler dev` itself: it always turns on the inspector's Network domain, and its
 * inspector proxy forwards each of the four events of every outbound fetch to wrangler's Node
 * process, which appends each to its debug log. Under load that relay cost more CPU per
 * transaction than the worker itself (3.5 ms against 0.4 ms in a profile) and held the public
 * port's requests behind it (a status request waited 30 s where the runtime answered in 1.4 s).
 * Nothing of it exists once deployed. The demo, `npm start`, the benchmark and the suites that
 * drive a local worker start it this way; `npm run profile` uses Miniflare with workerd's own
 * inspector (scripts/lib/profiled-worker.ts).
 *
 *   tsx scripts/dev-worker.ts --port 8787 --persist-to DIR [--var NAME:value]...
 */
import { parseArgs } from "node:util";
import { unstable_startWorker } from "wrangler";
import { SECRET_NAMES } from "../src/config";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "persist-to": { type: "string" },
    var: { type: "string", multiple: true, default: [] },
  },
});

const bindings = Object.fromEntries(
  values.var!.map((pair) => {
    const at = pair.indexOf(":");
    if (at < 1) throw new Error(`--var takes NAME:value, got ${pair}`);
    const name = pair.slice(0, at);
    // A secret is bound as one, so wrangler prints "(hidden)" in its bindings table, not the value.
    const type = (SECRET_NAMES as readonly string[]).includes(name) ? ("secret_text" as const) : ("plain_text" as const);
    return [name, { type, value: pair.slice(at + 1) }];
  }),
);

const worker = await unstable_startWorker({
  config: "wrangler.toml",
  bindings,
  dev: {
    inspector: false,
    persist: values["persist-to"],
    server: { hostname: "127.0.0.1", port: Number(values.port ?? 8787) },
    watch: false,
    logLevel: "log",
  },
});
await worker.ready;
console.log(`ready on ${await worker.url}`);

const stop = async () => {
  await worker.dispose();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
