/**
 * The extension's side of the engine process: starts it on first use, matches answers to requests, aborts at
 * once, and restarts it on the next request after a crash (every request in flight when it died fails with a
 * clear error, and the log says so). Pure: the child process comes from an injected `spawn`, so tests use a fake.
 */
import type { TieredError } from '../backend/errors';
import { isTieredError } from '../backend/errors';
import { engineErrors } from './engineErrors';
import { parseEngineMessage } from './protocol';
import type { EngineRequest, EngineResult, ParentMessage } from './protocol';

/** What the supervisor needs of a child process (`child_process.fork`'s ChildProcess has all of it). */
export interface EngineChild {
  send(message: ParentMessage): boolean;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface EngineProcessOptions {
  /** Starts a new engine process. */
  readonly spawn: () => EngineChild;
  /** How long the process may take to say `ready` (finding the binary takes seconds on a busy machine). */
  readonly startTimeoutMs?: number;
  /** Unload the model after this long without requests (its memory goes back to the machine; the process stays warm). */
  readonly idleUnloadMs?: number;
  /** Where the supervisor says what happened (started, crashed, restarted, ignored a malformed message). */
  readonly log?: (line: string) => void;
}

export interface EngineCall {
  readonly request: EngineRequest;
  /** The model's name for error messages. */
  readonly model?: string;
  readonly onToken?: (text: string) => void;
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly model: string;
  readonly onToken: ((text: string) => void) | undefined;
  readonly resolve: (result: EngineResult) => void;
  readonly reject: (error: TieredError) => void;
  partial: string;
}

interface Running {
  readonly child: EngineChild;
  readonly ready: Promise<string>;
}

export class EngineProcess {
  private running: Running | undefined;
  /** Set when the engine cannot run on this machine/build at all: no point restarting it. */
  private unavailable: TieredError | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private starts = 0;
  private disposed = false;
  private gpuName: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EngineProcessOptions) {}

  /** How many times a process was started (1 after the first request; more after crashes). */
  get startCount(): number {
    return this.starts;
  }

  /** The accelerator the engine reported (`cpu`, `cuda`, ...), once it started. */
  get gpu(): string | undefined {
    return this.gpuName;
  }

  /** Sends one request and resolves with its answer; rejects with a {@link TieredError} only. */
  async call(call: EngineCall): Promise<EngineResult> {
    const model = call.model ?? '';
    clearTimeout(this.idleTimer);
    if (call.signal?.aborted === true) {
      throw engineErrors.fromEngine({ code: 'aborted', message: 'cancelled' }, model);
    }
    const running = this.ensureRunning();
    await Promise.race([running.ready, abortPromise(call.signal)]).catch((e: unknown) => {
      throw isTieredError(e) ? e : engineErrors.fromEngine({ code: 'internal', message: String(e) }, model);
    });
    const id = this.nextId++;
    return new Promise<EngineResult>((resolve, reject) => {
      const onAbort = (): void => {
        // Answer the caller at once; the engine stops on its side and its late reply is dropped.
        if (this.pending.delete(id)) {
          trySend(running.child, { type: 'abort', id });
          entry.reject(engineErrors.fromEngine({ code: 'aborted', message: 'cancelled', partialText: entry.partial }, model));
        }
      };
      const entry: Pending = {
        model,
        onToken: call.onToken,
        partial: '',
        resolve: (result) => {
          call.signal?.removeEventListener('abort', onAbort);
          this.armIdleUnload(call.request.op);
          resolve(result);
        },
        reject: (error) => {
          call.signal?.removeEventListener('abort', onAbort);
          this.armIdleUnload(call.request.op);
          reject(error);
        },
      };
      this.pending.set(id, entry);
      call.signal?.addEventListener('abort', onAbort, { once: true });
      // A closed channel means the process is exiting: its `exit` event fails this request as a crash.
      trySend(running.child, { type: 'request', id, request: call.request });
    });
  }

  /** Stops the process; requests in flight fail as cancelled. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.idleTimer);
    const r = this.running;
    this.running = undefined;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(engineErrors.fromEngine({ code: 'aborted', message: 'engine stopped', partialText: p.partial }, p.model));
    }
    r?.child.kill();
  }

  private ensureRunning(): Running {
    if (this.disposed) {
      throw engineErrors.unavailable('The built-in engine was stopped.');
    }
    if (this.unavailable !== undefined) {
      throw this.unavailable;
    }
    if (this.running !== undefined) {
      return this.running;
    }
    this.starts++;
    if (this.starts > 1) {
      this.options.log?.(`built-in engine: restarting (start #${this.starts})`);
    }
    const child = this.options.spawn();
    let onReady: (gpu: string) => void = () => undefined;
    let onFail: (e: TieredError) => void = () => undefined;
    const ready = new Promise<string>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    // A caller may be gone by the time startup fails; the failure is reported to whoever waits, and logged.
    ready.catch(() => undefined);
    const timeoutMs = this.options.startTimeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      onFail(engineErrors.startTimeout(timeoutMs));
      child.kill();
    }, timeoutMs);
    const running: Running = { child, ready };
    this.running = running;
    child.on('message', (raw) => {
      const parsed = parseEngineMessage(raw);
      if (!parsed.ok) {
        this.options.log?.(`built-in engine: ignored a malformed message: ${parsed.error}`);
        return;
      }
      const m = parsed.message;
      switch (m.type) {
        case 'ready':
          clearTimeout(timer);
          this.gpuName = m.gpu;
          this.options.log?.(`built-in engine: ready (${m.gpu})`);
          onReady(m.gpu);
          return;
        case 'fatal':
          clearTimeout(timer);
          this.unavailable = engineErrors.unavailable(m.message);
          this.options.log?.(`built-in engine: ${m.message}`);
          onFail(this.unavailable);
          return;
        case 'token': {
          const p = this.pending.get(m.id);
          if (p !== undefined) {
            p.partial += m.text;
            p.onToken?.(m.text);
          }
          return;
        }
        case 'result':
          this.take(m.id)?.resolve(m.result);
          return;
        case 'error': {
          const p = this.take(m.id);
          p?.reject(engineErrors.fromEngine({ ...m.error, partialText: m.error.partialText ?? p.partial }, p.model));
          return;
        }
      }
    });
    const onGone = (exit: string): void => {
      clearTimeout(timer);
      if (this.running !== running) {
        return;
      }
      this.running = undefined;
      const crash = this.unavailable ?? engineErrors.crashed(exit, '');
      onFail(crash);
      if (this.disposed) {
        return;
      }
      this.options.log?.(`built-in engine: stopped (${exit}); ${this.pending.size} request(s) failed; it restarts with the next request`);
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.reject(this.unavailable ?? engineErrors.crashed(exit, p.partial));
      }
    };
    child.on('exit', (code, signal) => onGone(signal !== null ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`));
    child.on('error', (e) => onGone(`could not run: ${e.message}`));
    return running;
  }

  /** After the last request settles, unloads the model once the engine has been idle long enough. */
  private armIdleUnload(op: string): void {
    const ms = this.options.idleUnloadMs;
    if (ms === undefined || op === 'unload' || op === 'status' || this.pending.size > 0 || this.disposed) {
      return;
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0 && this.running !== undefined) {
        this.options.log?.(`built-in engine: unloading the model after ${Math.round(ms / 1000)} s without requests`);
        this.call({ request: { op: 'unload' } }).catch(() => undefined);
      }
    }, ms);
    this.idleTimer.unref();
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }
}

function trySend(child: EngineChild, message: ParentMessage): void {
  try {
    child.send(message);
  } catch {
    // See the caller: the exit handler reports it.
  }
}

/** Rejects when `signal` aborts; never settles otherwise. */
function abortPromise(signal: AbortSignal | undefined): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(engineErrors.fromEngine({ code: 'aborted', message: 'cancelled' }, '')), { once: true });
  });
}
