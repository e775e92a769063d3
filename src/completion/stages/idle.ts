/**
 * Stage "idle": what the pipeline does while the user is idle after a pause or an accept. Once nothing runs on
 * the server any more (the pause's generation finished, a drained one read its prompt), the repository
 * context may be chosen again (it never changes on the way to a request), and when the prompt's stable part
 * changed the warm-up stage reads it into the server's cache, so the next request, while typing or at the
 * next pause, reads only what was typed since.
 * Pure: no `vscode` import.
 */
import type { Clock } from '../../util/clock';

/**
 * Resolves true once `quiet()` holds (checked every `stepMs`), false when `signal` aborts first or `maxMs`
 * pass. Used to wait until the pause's request has gone out and nothing runs on the server any more.
 */
export async function whenQuiet(quiet: () => boolean, signal: AbortSignal, clock: Pick<Clock, 'setTimeout'>, stepMs: number, maxMs: number): Promise<boolean> {
  for (let waited = 0; waited <= maxMs; waited += stepMs) {
    if (signal.aborted) {
      return false;
    }
    if (quiet()) {
      return true;
    }
    await new Promise<void>((resolve) => clock.setTimeout(resolve, stepMs));
  }
  return false;
}

/** The refresh in flight: aborted by the next keystroke. */
export class IdleRefresh {
  private controller: AbortController | undefined;
  /** Refreshes that changed the context (for tests and benchmarks). */
  changed = 0;

  /** A new signal for a refresh (aborting any earlier one). */
  begin(): AbortSignal {
    this.controller?.abort();
    this.controller = new AbortController();
    return this.controller.signal;
  }

  /** The user typed: a refresh in flight is no longer for the current text. */
  interrupt(): void {
    this.controller?.abort();
    this.controller = undefined;
  }
}
