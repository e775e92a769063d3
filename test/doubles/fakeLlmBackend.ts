/**
 * TEST DOUBLE: an in-memory LlmBackend whose generations are scripted (tokens, time to first token, time
 * between tokens) and timed on a FakeClock, recording every request and how each generation ended
 * (done, aborted by the client, or closed early by the client breaking out of the stream).
 * Also a FakeClock with manual time.
 */
import { errors } from '../../src/backend/errors';
import type { TieredError } from '../../src/backend/errors';
import type {
  BackendKind,
  ChatRequest,
  GenerateRequest,
  GenerationEvent,
  LlmBackend,
  LoadedModel,
  ModelInfo,
  PullProgress,
  ServerInfo,
} from '../../src/backend/types';
import type { Clock, Disposable } from '../../src/util/clock';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Manual time. `advance` runs due timers in order and lets promises settle between them. */
export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): Disposable {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return { dispose: () => (timer.cancelled = true) };
  }

  /** Pending (not cancelled) timers. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing timers as their time comes. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flush();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (next === undefined) {
        break;
      }
      this.time = Math.max(this.time, next.at);
      next.cancelled = true;
      next.callback();
      await flush();
    }
    this.time = end;
    await flush();
  }

  /** Jumps to the next timer (or does nothing); returns false when no timer is pending. */
  async runNext(): Promise<boolean> {
    this.timers = this.timers.filter((t) => !t.cancelled);
    const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (next === undefined) {
      return false;
    }
    await this.advance(next.at - this.time);
    return true;
  }
}

/** Lets every pending promise callback run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Waits `ms` on the clock; rejects with an `aborted` error as soon as the signal aborts. */
export function sleepOn(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(errors.aborted());
      return;
    }
    const onAbort = (): void => {
      timer.dispose();
      reject(errors.aborted());
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Streams tokens the way a server does, on the clock: the first after `firstTokenMs` (reading the prompt),
 * then one every `tokenIntervalMs`. Rejects with an `aborted` error as soon as the signal aborts, also while
 * the prompt is still being read. Shared by the fake backend and the completion benchmark's simulated server.
 */
export async function* scriptedTokens(
  clock: Clock,
  tokens: readonly string[],
  timing: { readonly firstTokenMs: number; readonly tokenIntervalMs: number },
  signal: AbortSignal | undefined,
): AsyncGenerator<string> {
  await sleepOn(clock, timing.firstTokenMs, signal);
  for (let i = 0; i < tokens.length; i++) {
    if (i > 0) {
      await sleepOn(clock, timing.tokenIntervalMs, signal);
    }
    yield tokens[i] ?? '';
  }
}

/** How the fake answers one generate request. */
export interface ScriptedAnswer {
  readonly tokens: readonly string[];
  /** Default 100. */
  readonly firstTokenMs?: number;
  /** Default 10. */
  readonly tokenIntervalMs?: number;
  /** Thrown instead of answering. */
  readonly error?: TieredError;
}

/** One generation as the fake saw it. */
export interface FakeGenerationRecord {
  readonly request: GenerateRequest;
  readonly startedAt: number;
  endedAt: number | undefined;
  tokensSent: number;
  /** running; done (sent everything); aborted (signal); closedEarly (client stopped reading). */
  outcome: 'running' | 'done' | 'aborted' | 'closedEarly' | 'failed';
}

/** A model with FIM support unless overridden. */
export function fakeModel(overrides: Partial<ModelInfo> & { name: string }): ModelInfo {
  return {
    endpointId: 'fake',
    family: '',
    families: [],
    parameterSize: '',
    parameterBillions: undefined,
    quantization: '',
    sizeBytes: 0,
    contextLength: 32768,
    expertCount: undefined,
    capabilities: { completion: true, insert: true, tools: false, thinking: false, vision: false, embedding: false },
    template: undefined,
    ...overrides,
  };
}

export class FakeLlmBackend implements LlmBackend {
  readonly id: string;
  readonly kind: BackendKind;
  readonly baseUrl = 'http://fake.invalid';
  readonly generations: FakeGenerationRecord[] = [];
  listModelsCalls = 0;
  models: ModelInfo[];
  responder: (request: GenerateRequest) => ScriptedAnswer = () => ({ tokens: ['hello'] });

  constructor(
    private readonly clock: FakeClock | Clock,
    options: { id?: string; kind?: BackendKind; models?: ModelInfo[] } = {},
  ) {
    this.id = options.id ?? 'fake';
    this.kind = options.kind ?? 'ollama';
    this.models = options.models ?? [fakeModel({ name: 'qwen2.5-coder:1.5b' })];
  }

  /** Generations still running. */
  get running(): FakeGenerationRecord[] {
    return this.generations.filter((g) => g.outcome === 'running');
  }

  serverInfo(): Promise<ServerInfo> {
    return Promise.resolve({ version: 'fake' });
  }

  listModels(): Promise<ModelInfo[]> {
    this.listModelsCalls++;
    return Promise.resolve(this.models);
  }

  listLoaded(): Promise<LoadedModel[]> {
    return Promise.resolve([]);
  }

  generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    const record: FakeGenerationRecord = { request, startedAt: this.clock.now(), endedAt: undefined, tokensSent: 0, outcome: 'running' };
    this.generations.push(record);
    const answer = this.responder(request);
    return this.stream(record, answer);
  }

  private async *stream(record: FakeGenerationRecord, answer: ScriptedAnswer): AsyncGenerator<GenerationEvent> {
    const signal = record.request.signal;
    try {
      if (answer.error !== undefined) {
        await sleepOn(this.clock, answer.firstTokenMs ?? 100, signal);
        record.outcome = 'failed';
        throw answer.error;
      }
      let text = '';
      for await (const token of scriptedTokens(this.clock, answer.tokens, { firstTokenMs: answer.firstTokenMs ?? 100, tokenIntervalMs: answer.tokenIntervalMs ?? 10 }, signal)) {
        text += token;
        record.tokensSent++;
        yield { type: 'token', text: token };
      }
      record.outcome = 'done';
      yield {
        type: 'done',
        result: {
          text,
          doneReason: 'stop',
          metrics: {
            promptTokens: Math.ceil(record.request.prompt.length / 4),
            cachedPromptTokens: 0,
            generatedTokens: answer.tokens.length,
            timeToFirstTokenMs: answer.firstTokenMs ?? 100,
            tokensPerSecond: 0,
            loadMs: 0,
            promptEvalMs: 0,
            totalMs: this.clock.now() - record.startedAt,
          },
        },
      };
    } finally {
      if (record.outcome === 'running') {
        record.outcome = signal?.aborted ? 'aborted' : 'closedEarly';
      }
      record.endedAt ??= this.clock.now();
    }
  }

  chat(_request: ChatRequest): AsyncIterable<GenerationEvent> {
    throw new Error('chat is not used by completion tests');
  }

  async *pull(_model: string): AsyncIterable<PullProgress> {
    yield { status: 'success' };
  }

  deleteModel(): Promise<void> {
    return Promise.resolve();
  }

  countTokens(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  embed(): Promise<number[][]> {
    return Promise.reject(errors.badResponse('fake://', 'no embedding model'));
  }
}
