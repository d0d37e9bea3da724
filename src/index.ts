/** Worker entry: the Hono app serves HTTP; the Durable Object classes are exported for bindings. */
import { app } from "./api/app";
import type { Env } from "./config";

export { AccountDO } from "./account/account-do";
export { RunCoordinator } from "./run/coordinator";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
