/** Polling helpers for tests that wait on another process (VS Code, a server). Never used to assert time. */

/** Polls until `check` returns a value other than undefined, or the time is up (then undefined). */
export async function until<T>(check: () => T | undefined, timeoutMs = 30_000, stepMs = 250): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined || Date.now() > end) {
      return v;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
