/**
 * llama-server sometimes closes a keep-alive connection that undici (Node's fetch) has just taken from
 * its pool for the next request; the request then fails with `SocketError: other side closed` before
 * any response (seen ~1 in 100–300 requests, both after streams and between plain POSTs). Nothing
 * reached the server, so sending it again is safe. The real-engine tests and the benchmark use this
 * fetch so that race does not make them flaky, and count the retries so they stay visible
 * (`socketRetries()`, printed by the tier runner).
 */

let retries = 0;

/** How many requests were re-sent after a closed pooled socket. */
export function socketRetries(): number {
  return retries;
}

function closedSocket(err: unknown): boolean {
  const cause: unknown = err instanceof Error ? err.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  return err instanceof TypeError && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET');
}

/** `fetch`, re-sent once when the pooled socket turned out to be closed before any response. */
export const retryingFetch: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (err) {
    if (!closedSocket(err) || init?.signal?.aborted === true) {
      throw err;
    }
    retries++;
    return fetch(input, init);
  }
};
