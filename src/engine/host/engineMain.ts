/**
 * Entry point of the built-in engine process (bundled to `dist/engineHost.js`, started with `child_process.fork`).
 * It finds a prebuilt llama.cpp binary once (`getLlama`, the slow part), says `ready`, then serves requests one
 * at a time over IPC. A crash or an out-of-memory here ends this process only; the extension restarts it.
 * Env: TIERED_ENGINE_GPU = `auto` (default) or `off`; TIERED_ENGINE_THREADS = CPU threads (default: all cores but one).
 */
import { parseParentMessage } from '../protocol';
import type { EngineMessage, EngineRequest } from '../protocol';
import { EngineFailure } from './engineFailure';
import { EngineRuntime } from './engineRuntime';
import type { NodeLlamaCpp } from './engineRuntime';
import { TokenBatcher } from './tokenBatcher';

function send(message: EngineMessage): void {
  process.send?.(message);
}

/** Requests wait their turn: there is one context sequence, so one generation at a time. */
class RequestQueue {
  private tail: Promise<void> = Promise.resolve();
  private readonly pending = new Map<number, AbortController>();

  constructor(private readonly runtime: EngineRuntime) {}

  enqueue(id: number, request: EngineRequest): void {
    const controller = new AbortController();
    this.pending.set(id, controller);
    this.tail = this.tail.then(async () => {
      // Text goes out in batches (see tokenBatcher.ts), always before the result or error that ends the request.
      const tokens = new TokenBatcher((text) => send({ type: 'token', id, text }));
      try {
        if (controller.signal.aborted) {
          throw new EngineFailure('aborted', 'The request was cancelled.');
        }
        const result = await this.runtime.run(request, controller.signal, (text) => tokens.push(text));
        tokens.flush();
        send({ type: 'result', id, result });
      } catch (e) {
        tokens.flush();
        send({ type: 'error', id, error: EngineFailure.toMessage(e) });
      } finally {
        this.pending.delete(id);
      }
    });
  }

  abort(id: number): void {
    this.pending.get(id)?.abort();
  }
}

async function main(): Promise<void> {
  let lib: NodeLlamaCpp;
  try {
    lib = await import('node-llama-cpp');
  } catch {
    send({ type: 'fatal', message: 'The built-in engine is not available in this build of Tiered (its llama.cpp binaries are not included). Install the build for your platform, or use Ollama or an OpenAI-compatible server.' });
    process.exit(2);
  }
  const gpu = process.env.TIERED_ENGINE_GPU === 'off' ? false : 'auto';
  let runtime: EngineRuntime;
  try {
    const llama = await lib.getLlama({ gpu, build: 'never', progressLogs: false, logLevel: lib.LlamaLogLevel.error });
    const threads = Number.parseInt(process.env.TIERED_ENGINE_THREADS ?? '', 10);
    runtime = new EngineRuntime(lib, llama, Number.isInteger(threads) && threads > 0 ? threads : undefined);
  } catch (e) {
    send({ type: 'fatal', message: `The built-in engine found no usable llama.cpp binary for this machine: ${e instanceof Error ? e.message : String(e)}` });
    process.exit(2);
  }
  const queue = new RequestQueue(runtime);
  process.on('message', (raw: unknown) => {
    const parsed = parseParentMessage(raw);
    if (!parsed.ok) {
      const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : undefined;
      if (id !== undefined) {
        send({ type: 'error', id, error: { code: 'badRequest', message: `Invalid engine request: ${parsed.error}` } });
      } else {
        process.stderr.write(`engine: ignored an invalid message: ${parsed.error}\n`);
      }
      return;
    }
    if (parsed.message.type === 'abort') {
      queue.abort(parsed.message.id);
    } else {
      queue.enqueue(parsed.message.id, parsed.message.request);
    }
  });
  // The extension host went away: nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', gpu: runtime.gpu });
}

void main();
