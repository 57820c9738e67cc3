/**
 * Runs `step` every `intervalMs`, each wait starting when the previous step has ended, so steps
 * never overlap; a failed step goes to `onError` and the timer goes on. The timer is unref'd: it
 * never keeps the process alive on its own.
 */
export function repeatingTimer(
  intervalMs: number,
  step: () => Promise<unknown>,
  onError: (err: unknown) => void,
) {
  let timer: NodeJS.Timeout | undefined;
  let active = false;

  function schedule(): void {
    if (!active) return;
    timer = setTimeout(() => {
      step().catch(onError).finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  return {
    start(): void {
      active = true;
      schedule();
    },
    stop(): void {
      active = false;
      if (timer) clearTimeout(timer);
    },
  };
}
