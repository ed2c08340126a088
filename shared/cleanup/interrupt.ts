/**
 * What a run must undo when it is interrupted (Ctrl-C, a terminal closed, `kill`) rather than failing:
 * each long task registers its ledger's undo while it runs. The CLI's signal handler runs them; an
 * action leaves them be, since the runner's cancellation runs the post step, which reads the ledger.
 */
export type InterruptCleanup = () => Promise<void>;

const cleanups = new Set<InterruptCleanup>();

/** Registers a clean-up for the time a task runs; call the returned function when it has finished. */
export function onInterrupt(cleanup: InterruptCleanup): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/** Runs every registered clean-up, the latest first; one that throws does not stop the others. */
export async function runInterruptCleanups(onError: (error: unknown) => void): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      await cleanup();
    } catch (error) {
      onError(error);
    }
  }
}
