import type { AppContext } from './context.ts';

/**
 * A periodic pass of the scheduler service: `pass` runs every `intervalMs`, never two at once (a
 * tick that finds the last pass still running skips); a failure is logged as `failure` and the next
 * tick tries again. `stop` ends the ticks and waits for a pass under way.
 */
export function repeatEvery(
  ctx: Pick<AppContext, 'log'>,
  intervalMs: number,
  pass: () => Promise<unknown>,
  failure: string,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = pass()
      .catch((err) => ctx.log.error({ err }, failure))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs).unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
