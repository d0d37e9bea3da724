import { workersProject } from "./vitest.workers.config";

export default workersProject("scenarios", ["test/scenarios/**/*.test.ts"]);
