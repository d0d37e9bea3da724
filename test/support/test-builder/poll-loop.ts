/**
 * Runs `step` again `everyMs` after each one ends: steps never overlap (the feeds' order depends on
 * one poll finishing before the next starts), and a failing step is reported, never thrown, so a
 * vanished anvil pauses the feeds instead of crashing the test run. stop() resolves once the step
 * in progress is over: nothing runs after it.
 */
export interface PollLoop {
  stop(): Promise<void>;
}

export function pollLoop(everyMs: number, step: () => Promise<void>, onError: (error: unknown) => void): PollLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => {};
  const done = (async () => {
    while (!stopped) {
      await step().catch(onError);
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, everyMs);
      });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      wake();
      await done;
    },
  };
}
