/**
 * Time as a port, so debounce, back-off and metrics can be tested with a fake clock.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimeout(callback: () => void, ms: number): Disposable;
}

/** Something that can be released. Same shape as `vscode.Disposable`. */
export interface Disposable {
  dispose(): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    return { dispose: () => clearTimeout(handle) };
  },
};
