/**
 * One HTTP exchange's guard: joins the caller's AbortSignal with an inactivity timeout, hands out a
 * `fetch` that carries both (so even calls ollama-js cannot abort are cancellable), and watches the
 * response body so the timeout measures "time to first byte", then "time between chunks": a slow
 * stream that keeps producing never times out, a silent one does.
 * Pure: no `vscode` import.
 */

/** Why a guarded request ended early. */
export type GuardStop = 'caller' | 'timeout' | 'done';

export class RequestGuard {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopReason: GuardStop | undefined;
  private readonly onCallerAbort = (): void => this.stop('caller');
  /** Bytes received in response bodies so far. */
  bytesReceived = 0;
  /** True once a response (status and headers) arrived. */
  responded = false;

  constructor(
    readonly timeoutMs: number,
    private readonly callerSignal: AbortSignal | undefined,
    private readonly baseFetch: typeof fetch = globalThis.fetch,
  ) {
    if (callerSignal?.aborted) {
      this.stop('caller');
    } else {
      callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
      this.arm();
    }
  }

  /** Aborts when the caller aborts, the timeout fires, or {@link dispose} runs. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the guard stopped the request, if it did. */
  get stopped(): GuardStop | undefined {
    return this.stopReason;
  }

  get callerAborted(): boolean {
    return this.stopReason === 'caller';
  }

  get timedOut(): boolean {
    return this.stopReason === 'timeout';
  }

  /** (Re)starts the inactivity timer. */
  arm(): void {
    if (this.stopReason !== undefined) {
      return;
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => this.stop('timeout'), this.timeoutMs);
  }

  /** Ends the exchange: clears the timer and closes any open HTTP stream. Safe to call twice. */
  dispose(): void {
    this.stop('done');
  }

  private stop(reason: GuardStop): void {
    if (this.stopReason !== undefined) {
      return;
    }
    this.stopReason = reason;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    this.controller.abort();
  }

  /** A fetch bound to this guard: its signal is joined in, and its body re-arms the timer per chunk. */
  readonly fetch: typeof fetch = async (input, init) => {
    const signals = [this.controller.signal];
    if (init?.signal) {
      signals.push(init.signal);
    }
    const guarded = { ...init, signal: AbortSignal.any(signals) };
    let response: Response;
    try {
      response = await this.baseFetch(input, guarded);
    } catch (error) {
      // llama-server may close a pooled keep-alive socket just as undici reuses it ("other side closed",
      // seen about 1 in 100–300 requests). Nothing reached the server, so sending once more is safe.
      if (!isClosedPooledSocket(error) || guarded.signal.aborted) {
        throw error;
      }
      response = await this.baseFetch(input, guarded);
    }
    this.responded = true;
    if (response.body === null) {
      return response;
    }
    const monitor = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        this.bytesReceived += chunk.byteLength;
        this.arm();
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(monitor), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** True for undici's "socket closed before any response" failures (UND_ERR_SOCKET, ECONNRESET). */
export function isClosedPooledSocket(error: unknown): boolean {
  if (!(error instanceof TypeError) || typeof error.cause !== 'object' || error.cause === null || !('code' in error.cause)) {
    return false;
  }
  const code = error.cause.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}
