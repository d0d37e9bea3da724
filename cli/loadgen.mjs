#!/usr/bin/env node
// The `loadgen` command (package.json "bin"). The CLI is TypeScript run through tsx, as every tool
// of this project is: no build step stands between an edit and `npx loadgen`.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
