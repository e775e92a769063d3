/**
 * Stage "warm-up": when the prompt's stable part changed (another file, new repository context) and the
 * user is idle, a zero-token request makes llama-server read the new prompt into the pinned slot's KV
 * cache, so the next real request only reads what was typed since. At most one at a time; any real
 * request aborts it (never two requests on the server at once).
 * Pure: no `vscode` import.
 */
import type { GenerateRequest, LlmBackend } from '../../backend/types';
import type { Clock } from '../../util/clock';
import type { ServerBusyMeter } from '../serverBusy';

/** The warm-up in flight and the last prompt the server's cache holds. */
export class WarmUps {
  private controller: AbortController | undefined;
  /** The stable-part key of the last prompt sent (real or warm-up). */
  private serverKey: string | undefined;
  /** Warm-ups sent (for tests and benchmarks). */
  sent = 0;

  /** A warm-up is running. */
  get active(): boolean {
    return this.controller !== undefined;
  }

  /** A real request with this stable-part key went to the server. */
  sentReal(key: string): void {
    this.serverKey = key;
  }

  /** Whether the server's cache holds this stable part (the last prompt sent, real or warm-up, had it). */
  holds(key: string): boolean {
    return this.serverKey === key;
  }

  /** Whether the server's cache may not hold this stable part yet. */
  needed(key: string): boolean {
    return this.serverKey !== key && this.controller === undefined;
  }

  /** Aborts the warm-up in flight, if any. */
  abort(): void {
    this.controller?.abort();
    this.controller = undefined;
  }

  /** Sends `request` with no tokens to predict; resolves true when the server read it. Never rejects. */
  async run(key: string, backend: LlmBackend, request: GenerateRequest, busy: ServerBusyMeter, clock: Clock): Promise<boolean> {
    this.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.serverKey = key;
    this.sent++;
    const busyId = busy.start(clock.now());
    try {
      for await (const event of backend.generate({ ...request, numPredict: 0, signal: controller.signal })) {
        if (event.type === 'done') {
          break;
        }
      }
      return !controller.signal.aborted;
    } catch {
      if (this.serverKey === key) {
        // Not read after all: the next idle moment may try again.
        this.serverKey = undefined;
      }
      return false;
    } finally {
      busy.end(busyId, clock.now(), false);
      if (this.controller === controller) {
        this.controller = undefined;
      }
    }
  }
}
