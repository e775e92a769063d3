/**
 * Inline-completion benchmark (issue 10). Prints the figures and writes bench/results/completion.json.
 * Run: npm run bench -- completion   (or: npx tsx bench/completion.bench.ts)
 *
 * Parts:
 * 1. Extension overhead per keystroke on a 5,000-line file: real time (performance.now) from the
 *    pipeline call to the request reaching the backend, or to the answer when none is sent. The model
 *    answers instantly and the clock's timers fire at once, so only the pipeline's own work is measured.
 * 2. A simulated typist (seeded, >= 2,000 keystrokes, 80–200 ms between keys, a 600–1,500 ms pause at 40 %
 *    of line ends) against a SIMULATED model on a SIMULATED clock (FakeClock): deterministic and fast, not
 *    real time. The model is an "oracle" that predicts the text the typist is about to type, diverging from
 *    it with a seeded probability per line (so some suggestions are wrong, as with a real model). It serves
 *    one request at a time, reads the prompt for its time to first token, then streams ~4-character tokens.
 *    Run with the fast model (150 ms to first token) and the slow one (1 s), each with cache and reuse on,
 *    and off as the baseline.
 * 3. Memory: heap growth over 10,000 completions.
 * 4. Real time against the in-process FakeOllamaServer through OllamaBackend (HTTP): a short typist session
 *    with the slow model, for orphan requests and wasted server time as the server itself records them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { errors } from '../src/backend/errors';
import type { ChatRequest, GenerateRequest, GenerationEvent, LlmBackend, LoadedModel, ModelInfo, PullProgress, ServerInfo } from '../src/backend/types';
import { CompletionPipeline } from '../src/completion/pipeline';
import type { CompletionPipelineOptions } from '../src/completion/pipeline';
import type { CompletionOutcome, CompletionRequest } from '../src/completion/types';
import type { FimWindow } from '../src/context/fimWindow';
import { defaultSettings } from '../src/settings/readSettings';
import type { Settings } from '../src/settings/schema';
import type { Clock } from '../src/util/clock';
import { systemClock } from '../src/util/clock';
import { nullLogger } from '../src/util/logger';
import { FakeClock, fakeModel, flush, scriptedTokens } from '../test/doubles/fakeLlmBackend';
import { seededRandom as mulberry32 } from '../test/doubles/seededRandom';

const root = path.join(__dirname, '..');
// BENCH_SEED=n runs the same session with another seed (to check that a change is not tuned to one seed).
const seed = Number(process.env.BENCH_SEED ?? 20_261_124);

// ---------------------------------------------------------------------------------------------------------
// Helpers


function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** A flat (non-rope) copy of a string, as `document.getText()` returns. */
function flat(...parts: string[]): string {
  const text = parts.join('');
  // Reading a character flattens a rope in place (V8), outside the timed region.
  void text.charCodeAt(text.length >> 1);
  return text;
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** The code the typist types: real TypeScript from this repository (files whose content is stable). */
function corpus(): string {
  const files = ['src/backend/errors.ts', 'src/util/clock.ts', 'src/util/logger.ts', 'src/settings/readSettings.ts', 'src/backend/types.ts'];
  return files
    .map((f) => readFileSync(path.join(root, f), 'utf8'))
    .join('\n')
    .replace(/\r\n/g, '\n')
    .replace(/\t/g, '  ');
}

interface Keystroke {
  /** Text inserted (a character, or a newline plus the auto-indentation of the next line). */
  readonly text: string;
  /** Offset in the truth after the keystroke. */
  readonly end: number;
  /** The keystroke ends a line's content (the next one is Enter). */
  readonly endsLine: boolean;
}

function keystrokesOf(truth: string, minimum: number): Keystroke[] {
  const keys: Keystroke[] = [];
  let i = 0;
  while (i < truth.length && (keys.length < minimum || !(keys[keys.length - 1]?.text.startsWith('\n') ?? false))) {
    if (truth[i] === '\n') {
      let j = i + 1;
      while (truth[j] === ' ') {
        j++;
      }
      keys.push({ text: truth.slice(i, j), end: j, endsLine: false });
      i = j;
    } else {
      keys.push({ text: truth[i] ?? '', end: i + 1, endsLine: truth[i + 1] === '\n' && (truth[i]?.trim() ?? '') !== '' });
      i++;
    }
  }
  return keys;
}

/** Seeded typing times: gaps of 80–200 ms, and a 600–1,500 ms pause after 40 % of line ends. */
function typingGaps(keys: readonly Keystroke[], random: () => number): { gaps: number[]; pauseAfter: Set<number> } {
  const gaps: number[] = [];
  const pauseAfter = new Set<number>();
  for (let k = 0; k < keys.length; k++) {
    const previous = keys[k - 1];
    if (previous?.endsLine === true && random() < 0.4) {
      gaps.push(600 + random() * 900);
      pauseAfter.add(k - 1);
    } else {
      gaps.push(80 + random() * 120);
    }
  }
  return { gaps, pauseAfter };
}

function request(uri: string, text: string, offset: number): CompletionRequest {
  return { documentUri: uri, languageId: 'typescript', text, offset, lineEnding: '\n', indent: { useTabs: false, size: 2 }, fileSizeBytes: text.length, manual: false };
}

const model: ModelInfo = fakeModel({ name: 'qwen2.5-coder:1.5b', endpointId: 'sim' });

abstract class BaseBackend implements LlmBackend {
  readonly kind = 'ollama' as const;
  readonly baseUrl = 'http://sim.invalid';
  listModelsCalls = 0;
  constructor(readonly id: string) {}
  serverInfo(): Promise<ServerInfo> {
    return Promise.resolve({ version: 'sim' });
  }
  listModels(): Promise<ModelInfo[]> {
    this.listModelsCalls++;
    return Promise.resolve([model]);
  }
  listLoaded(): Promise<LoadedModel[]> {
    return Promise.resolve([]);
  }
  abstract generate(request: GenerateRequest): AsyncIterable<GenerationEvent>;
  chat(_request: ChatRequest): AsyncIterable<GenerationEvent> {
    throw new Error('not used');
  }
  async *pull(): AsyncIterable<PullProgress> {
    yield { status: 'success' };
  }
  deleteModel(): Promise<void> {
    return Promise.resolve();
  }
  countTokens(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  embed(): Promise<number[][]> {
    return Promise.reject(new Error('no embedding model in this benchmark'));
  }
}

function sharedPrefix(a: string, b: string): number {
  let n = 0;
  const max = Math.min(a.length, b.length);
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) {
    n++;
  }
  return n;
}

function doneEvent(text: string): GenerationEvent {
  return { type: 'done', result: { text, doneReason: 'stop', metrics: { promptTokens: 0, cachedPromptTokens: 0, generatedTokens: 0, timeToFirstTokenMs: 0, tokensPerSecond: 0, loadMs: 0, promptEvalMs: 0, totalMs: 0 } } };
}

// ---------------------------------------------------------------------------------------------------------
// 1. Overhead per keystroke on a 5,000-line file

/**
 * Short timers (debounce waits) fire at once, as microtasks, so only the pipeline's own work is timed;
 * long ones (the generation timeout) never fire.
 */
const instantClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    let cancelled = false;
    if (ms <= 1000) {
      queueMicrotask(() => {
        if (!cancelled) {
          callback();
        }
      });
    }
    return { dispose: () => (cancelled = true) };
  },
};

class InstantBackend extends BaseBackend {
  sentAt: number | undefined;
  requests = 0;
  /** Share of each prompt equal to the start of the previous prompt (characters). */
  readonly promptShares: number[] = [];
  private lastPrompt: string | undefined;
  generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    this.sentAt = performance.now();
    this.requests++;
    if (this.lastPrompt !== undefined) {
      this.promptShares.push(sharedPrefix(this.lastPrompt, request.prompt) / Math.max(1, request.prompt.length));
    }
    this.lastPrompt = request.prompt;
    return (async function* () {
      yield { type: 'token', text: 'value);' } satisfies GenerationEvent;
      yield { type: 'token', text: '\nnext();' } satisfies GenerationEvent;
      yield doneEvent('value);\nnext();');
    })();
  }
}

// The extension reads settings once per change, not per keystroke.
const fixedSettings = defaultSettings();

async function overheadRun(): Promise<Record<string, number>> {
  const truth = corpus();
  const lines = truth.split('\n');
  const big: string[] = [];
  while (big.length < 5000) {
    big.push(...lines);
  }
  const before = big.slice(0, 2500).join('\n') + '\n';
  const after = '\n' + big.slice(2500, 5000).join('\n');
  const typing = keystrokesOf(truth.slice(truth.indexOf('export const errors')), 2000).slice(0, 2000);
  const backend = new InstantBackend('instant');
  const pipeline = new CompletionPipeline({
    resolveModel: () => Promise.resolve({ backend, model }),
    clock: instantClock,
    settings: () => fixedSettings,
    logger: nullLogger,
  });
  const gc = gcFunction();
  const all: number[] = [];
  const cpu: number[] = [];
  const sent: number[] = [];
  const served: number[] = [];
  let typed = '';
  let controller = new AbortController();
  // Warm-up (JIT), not measured.
  for (let i = 0; i < 200; i++) {
    controller.abort();
    controller = new AbortController();
    await pipeline.complete(request('file:///warm.ts', `${before}x${i}${after}`, before.length + 1 + String(i).length), controller.signal);
  }
  for (const key of typing) {
    typed += key.text;
    // VS Code hands the provider a flat string (document.getText()); flatten the concatenation here, untimed.
    const text = flat(before, typed, after);
    controller.abort();
    controller = new AbortController();
    backend.sentAt = undefined;
    // Collect the harness's garbage (a 200 KB document string per keystroke) untimed, so a collection it
    // caused does not land inside the timed pipeline call.
    gc?.();
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    const outcome = await pipeline.complete(request('file:///big.ts', text, before.length + typed.length), controller.signal);
    const ended = backend.sentAt ?? performance.now();
    const ms = ended - started;
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    all.push(ms);
    if (process.env.BENCH_DEBUG !== undefined && ms > 3) {
      console.log(`slow keystroke ${all.length}: ${ms.toFixed(1)} ms, ${outcome.kind}, sent ${backend.sentAt !== undefined}`);
    }
    (backend.sentAt !== undefined ? sent : served).push(ms);
    void outcome;
  }
  return {
    keystrokes: typing.length,
    fileLines: before.split('\n').length + after.split('\n').length - 1,
    p50Ms: round(percentile(all, 50), 3),
    p99Ms: round(percentile(all, 99), 3),
    maxMs: round(Math.max(...all), 3),
    // CPU time of the whole call including the instant generation (immune to other processes' load).
    cpuP50Ms: round(percentile(cpu, 50), 3),
    cpuP99Ms: round(percentile(cpu, 99), 3),
    loadAverage1m: round(loadavg()[0] ?? 0, 1),
    requestSentP50Ms: round(percentile(sent, 50), 3),
    requestSentP99Ms: round(percentile(sent, 99), 3),
    requestsSent: sent.length,
    answeredWithoutRequestP50Ms: round(percentile(served, 50), 3),
    answeredWithoutRequestP99Ms: round(percentile(served, 99), 3),
    answeredWithoutRequest: served.length,
    // Typing on in the middle of the 5,000-line file: how much of each prompt the previous one shares.
    promptSharedMean: round(backend.promptShares.reduce((a, b) => a + b, 0) / Math.max(1, backend.promptShares.length), 4),
    promptSharedP10: round(percentile(backend.promptShares, 10), 4),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 2. Simulated typist against a simulated model

interface ModelSpeed {
  readonly name: string;
  readonly firstTokenMs: number;
  readonly tokensPerSecond: number;
}

const fastModel: ModelSpeed = { name: 'fast', firstTokenMs: 150, tokensPerSecond: 250 };
const slowModel: ModelSpeed = { name: 'slow', firstTokenMs: 1000, tokensPerSecond: 50 };

/** Probability that the oracle's prediction goes wrong somewhere in a given line. */
const divergencePerLine = 0.25;

interface SimGeneration {
  readonly id: number;
  readonly anchor: number;
  readonly planned: string;
  readonly prompt: string;
  readonly requestedAt: number;
  serviceStart: number | undefined;
  end: number | undefined;
  typedPastAt: number | undefined;
  used: boolean;
  state: 'queued' | 'running' | 'done' | 'aborted' | 'closed';
}

class SimServer extends BaseBackend {
  readonly generations: SimGeneration[] = [];
  private busy: Promise<void> = Promise.resolve();
  cursor = 0;

  constructor(
    private readonly clock: FakeClock,
    private readonly truth: string,
    private readonly speed: ModelSpeed,
  ) {
    super('sim');
  }

  /** The oracle: the truth after the cursor, diverging with a seeded probability per line. */
  predict(cursor: number): string {
    const random = mulberry32(seed ^ Math.imul(cursor + 1, 2654435761));
    const rest = this.truth.slice(cursor, cursor + 400);
    const lines = rest.split('\n').slice(0, 8);
    let out = '';
    for (let i = 0; i < lines.length; i++) {
      const line = (i > 0 ? '\n' : '') + (lines[i] ?? '');
      if (random() < divergencePerLine) {
        const at = Math.floor(random() * line.length);
        out += line.slice(0, at) + `tmp${Math.floor(random() * 100)}Value();\n`;
        break;
      }
      out += line;
    }
    return `${out}<|endoftext|>`;
  }

  generate(request: GenerateRequest): AsyncIterable<GenerationEvent> {
    const generation: SimGeneration = {
      id: this.generations.length,
      anchor: this.cursor,
      planned: this.predict(this.cursor),
      prompt: request.prompt,
      requestedAt: this.clock.now(),
      serviceStart: undefined,
      end: undefined,
      typedPastAt: undefined,
      used: false,
      state: 'queued',
    };
    this.generations.push(generation);
    return this.serve(generation, request.signal);
  }

  private async *serve(generation: SimGeneration, signal: AbortSignal | undefined): AsyncGenerator<GenerationEvent> {
    // One request at a time, like a single-slot server.
    const previous = this.busy;
    let release: () => void = () => undefined;
    this.busy = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      if (signal?.aborted) {
        throw errors.aborted();
      }
      generation.serviceStart = this.clock.now();
      generation.state = 'running';
      const tokens = generation.planned.match(/[\s\S]{1,4}/g) ?? [];
      for await (const token of scriptedTokens(this.clock, tokens, { firstTokenMs: this.speed.firstTokenMs, tokenIntervalMs: 1000 / this.speed.tokensPerSecond }, signal)) {
        yield { type: 'token', text: token };
      }
      generation.state = 'done';
      yield doneEvent(generation.planned);
    } finally {
      if (generation.state === 'running' || generation.state === 'queued') {
        generation.state = signal?.aborted ? 'aborted' : 'closed';
      }
      generation.end = this.clock.now();
      release();
    }
  }

}

interface SimFigures {
  readonly model: string;
  readonly cacheAndReuse: boolean;
  readonly keystrokes: number;
  readonly requests: number;
  readonly requestsPer100Chars: number;
  readonly pauses: number;
  readonly pausesWithSuggestion: number;
  readonly pauseToReadyP50Ms: number;
  readonly pauseToReadyP90Ms: number;
  readonly pauseToReadyMaxMs: number;
  /** Pauses with a suggestion ready within floor + time to first token + 20 ms (the target). */
  readonly pausesReadyWithinTarget: number;
  /**
   * Pauses whose suggestion came later than that target, but no later than the target plus the time the model
   * takes to stream the text shown (a request sent at the pause cannot do better).
   */
  readonly pausesOverTargetOnlyByStreaming: number;
  /** Pauses whose suggestion came later than the target plus the time to stream it. */
  readonly pausesOverTargetOtherwise: number;
  /** Pauses longer than debounce floor + time to first token, and how many of them had a suggestion ready. */
  readonly pausesLongerThanFloorPlusTtft: number;
  readonly pausesLongerThanFloorPlusTtftWithSuggestion: number;
  /** Pauses longer than floor + time to first token + the time to stream the line shown, and how many had one. */
  readonly pausesLongerThanFloorPlusTtftPlusLineStream: number;
  readonly pausesLongerThanFloorPlusTtftPlusLineStreamWithSuggestion: number;
  /** Generations still running after a newer one was requested (superseded). */
  readonly orphanGenerations: number;
  /**
   * Stricter: generations still running right after a keystroke that (the oracle knows) contradicts their
   * answer. The pipeline cannot know before the first token arrives; it waits only when that is due soon.
   */
  readonly typedPastStillRunning: number;
  readonly keystrokesInsideShownSuggestion: number;
  readonly servedByReuse: number;
  readonly reuseShare: number;
  /** Server time on a request after the user typed past it, over all server time. */
  readonly wastedServerShare: number;
  /** Stricter: server time on requests whose text was never shown, over all server time. */
  readonly unshownServerShare: number;
  readonly serverBusyMs: number;
  readonly promptPrefixSharedP50: number;
  readonly promptPrefixSharedMean: number;
  readonly suggestionsShown: number;
  readonly listModelsCalls: number;
  readonly maxConcurrentGenerations: number;
}

function agrees(planned: string, typed: string): boolean {
  const clean = planned.replace('<|endoftext|>', '');
  return clean.startsWith(typed) || typed.startsWith(clean);
}

async function simulate(speed: ModelSpeed, cacheAndReuse: boolean, settings: Settings): Promise<SimFigures> {
  const truth = corpus();
  const keys = keystrokesOf(truth, 2000);
  const { gaps, pauseAfter } = typingGaps(keys, mulberry32(seed));
  const clock = new FakeClock();
  const server = new SimServer(clock, truth, speed);
  const options: CompletionPipelineOptions = { useCache: cacheAndReuse, useReuse: cacheAndReuse };
  const pipeline = new CompletionPipeline({
    resolveModel: () => Promise.resolve({ backend: server, model }),
    clock,
    settings: () => settings,
    logger: nullLogger,
    options,
  });
  const uri = 'file:///typed.ts';
  const tail = '\n';
  let controller = new AbortController();
  let latestCall = -1;
  let visible: { anchor: number; text: string } | undefined;
  const shownAt = new Map<number, number>();
  const shownText = new Map<number, string>();
  const outcomes = new Map<number, CompletionOutcome>();
  let inside = 0;
  let servedByReuse = 0;
  const insideKeys = new Set<number>();
  const orphans = new Set<number>();
  const typedPastRunning = new Set<number>();
  let maxConcurrent = 0;
  let suggestionsShown = 0;
  const keyTimes: number[] = [];

  for (let k = 0; k < keys.length; k++) {
    await clock.advance(gaps[k] ?? 100);
    const key = keys[k];
    if (key === undefined) {
      break;
    }
    const cursorBefore = key.end - key.text.length;
    if (visible !== undefined && visible.anchor === cursorBefore && visible.text.startsWith(key.text) && visible.text.length > key.text.length) {
      inside++;
      insideKeys.add(k);
    }
    visible = undefined;
    server.cursor = key.end;
    keyTimes.push(clock.now());
    // Generations the user just typed past.
    for (const g of server.generations) {
      if (g.typedPastAt === undefined && (g.state === 'queued' || g.state === 'running' || g.end === undefined || g.end >= clock.now())) {
        const typed = key.end >= g.anchor ? truth.slice(g.anchor, key.end) : undefined;
        if (typed === undefined || !agrees(g.planned, typed)) {
          g.typedPastAt = clock.now();
        }
      }
    }
    controller.abort();
    controller = new AbortController();
    const text = truth.slice(0, key.end) + tail;
    const call = k;
    latestCall = k;
    const startedAt = clock.now();
    void pipeline.complete(request(uri, text, key.end), controller.signal).then((outcome) => {
      outcomes.set(call, outcome);
      if (outcome.kind === 'shown') {
        suggestionsShown++;
        if (outcome.source !== 'cache') {
          // The generation that produced it was used.
          const producer = [...server.generations].reverse().find((g) => g.requestedAt <= clock.now());
          if (producer !== undefined) {
            producer.used = true;
          }
        }
        if (call === latestCall) {
          visible = { anchor: key.end, text: outcome.text };
          shownAt.set(call, clock.now() - startedAt);
          shownText.set(call, outcome.text);
        }
        if (insideKeys.has(call) && outcome.source !== 'model') {
          servedByReuse++;
        }
      }
    });
    await flush();
    const running = server.generations.filter((g) => g.state === 'running' || g.state === 'queued');
    maxConcurrent = Math.max(maxConcurrent, running.length);
    // Superseded: an older generation still running once a newer one was requested.
    for (const g of running.slice(0, -1)) {
      orphans.add(g.id);
    }
    for (const g of running) {
      if (g.typedPastAt !== undefined) {
        typedPastRunning.add(g.id);
      }
    }
  }
  controller.abort();
  await clock.advance(10_000);

  // Pauses: from the last keystroke before the pause to the suggestion being ready (within the pause).
  const ready: number[] = [];
  let pausesWithSuggestion = 0;
  let longPauses = 0;
  let longPausesWithSuggestion = 0;
  let streamedPauses = 0;
  let streamedPausesWithSuggestion = 0;
  let withinTarget = 0;
  let overOnlyByStreaming = 0;
  let overOtherwise = 0;
  const floor = settings['completion.debounceMs'];
  const target = floor + speed.firstTokenMs + 20;
  const streamingMs = (text: string): number => Math.ceil(text.length / 4) * (1000 / speed.tokensPerSecond);
  for (const k of pauseAfter) {
    const pause = gaps[k + 1] ?? 0;
    const latency = shownAt.get(k);
    const has = latency !== undefined && latency <= pause;
    if (has) {
      pausesWithSuggestion++;
      ready.push(latency);
      if (latency <= target) {
        withinTarget++;
      } else if (latency <= target + streamingMs(shownText.get(k) ?? '')) {
        overOnlyByStreaming++;
      } else {
        overOtherwise++;
      }
    }
    if (process.env.BENCH_DEBUG !== undefined) {
      const key = keys[k];
      const lineStart = truth.lastIndexOf('\n', (key?.end ?? 1) - 1) + 1;
      console.log(`pause after key ${k} at t=${round(keyTimes[k] ?? 0, 0)} (${round(pause, 0)} ms) line ${JSON.stringify(truth.slice(lineStart, key?.end))}: ${outcomes.get(k)?.kind ?? 'pending'} latency ${latency ?? '-'}`);
    }
    // The same, allowing the model the time to stream the line it shows (the next line of the truth).
    const end = keys[k]?.end ?? 0;
    const nextLineEnd = truth.indexOf('\n', end + 1);
    const shownChars = (nextLineEnd < 0 ? truth.length : nextLineEnd) - end + 1;
    const streamMs = Math.ceil(shownChars / 4) * (1000 / speed.tokensPerSecond);
    if (pause > floor + speed.firstTokenMs + streamMs) {
      streamedPauses++;
      if (has) {
        streamedPausesWithSuggestion++;
      }
    }
    if (pause > floor + speed.firstTokenMs) {
      longPauses++;
      if (has) {
        longPausesWithSuggestion++;
      }
    }
  }

  let busy = 0;
  let wasted = 0;
  let unshown = 0;
  for (const g of server.generations) {
    if (g.serviceStart === undefined || g.end === undefined) {
      continue;
    }
    const time = g.end - g.serviceStart;
    busy += time;
    if (g.typedPastAt !== undefined) {
      wasted += Math.max(0, g.end - Math.max(g.serviceStart, g.typedPastAt));
    }
    if (!g.used) {
      unshown += time;
    }
  }

  if (process.env.BENCH_DEBUG !== undefined) {
    console.log(`agreement estimate ${pipeline.agreement.probability} over ${pipeline.agreement.samples}`);
    for (const g of server.generations) {
      const lineStart = truth.lastIndexOf('\n', g.anchor - 1) + 1;
      const firstTokenAt = (g.serviceStart ?? 0) + speed.firstTokenMs;
      console.log(
        `gen ${g.id} req=${round(g.requestedAt, 0)} svc=${round(g.serviceStart ?? -1, 0)} end=${round(g.end ?? -1, 0)} @${g.anchor} line ${JSON.stringify(truth.slice(lineStart, g.anchor))} ${g.state} used=${g.used} ` +
          `${g.end !== undefined && g.end < firstTokenAt ? 'before-first-token' : 'after-first-token'} typedPast=${g.typedPastAt !== undefined} planned=${JSON.stringify(g.planned.slice(0, 40))}`,
      );
    }
  }
  // Prompt stability: share of each prompt equal to the start of the previous one (characters).
  const shares: number[] = [];
  for (let i = 1; i < server.generations.length; i++) {
    const a = server.generations[i - 1]?.prompt ?? '';
    const b = server.generations[i]?.prompt ?? '';
    let n = 0;
    const max = Math.min(a.length, b.length);
    while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) {
      n++;
    }
    shares.push(b.length === 0 ? 1 : n / b.length);
  }

  return {
    model: `${speed.name} (${speed.firstTokenMs} ms to first token, ${speed.tokensPerSecond} tok/s)`,
    cacheAndReuse,
    keystrokes: keys.length,
    requests: pipeline.stats.requestsSent,
    requestsPer100Chars: round((pipeline.stats.requestsSent / keys.length) * 100),
    pauses: pauseAfter.size,
    pausesWithSuggestion,
    pauseToReadyP50Ms: round(percentile(ready, 50), 0),
    pauseToReadyP90Ms: round(percentile(ready, 90), 0),
    pauseToReadyMaxMs: round(ready.length > 0 ? Math.max(...ready) : Number.NaN, 0),
    pausesReadyWithinTarget: withinTarget,
    pausesOverTargetOnlyByStreaming: overOnlyByStreaming,
    pausesOverTargetOtherwise: overOtherwise,
    pausesLongerThanFloorPlusTtft: longPauses,
    pausesLongerThanFloorPlusTtftWithSuggestion: longPausesWithSuggestion,
    pausesLongerThanFloorPlusTtftPlusLineStream: streamedPauses,
    pausesLongerThanFloorPlusTtftPlusLineStreamWithSuggestion: streamedPausesWithSuggestion,
    orphanGenerations: orphans.size,
    typedPastStillRunning: typedPastRunning.size,
    keystrokesInsideShownSuggestion: inside,
    servedByReuse,
    reuseShare: round(inside === 0 ? 0 : servedByReuse / inside, 3),
    wastedServerShare: round(busy === 0 ? 0 : wasted / busy, 3),
    unshownServerShare: round(busy === 0 ? 0 : unshown / busy, 3),
    serverBusyMs: round(busy, 0),
    promptPrefixSharedP50: round(percentile(shares, 50), 3),
    promptPrefixSharedMean: round(shares.reduce((a, b) => a + b, 0) / Math.max(1, shares.length), 3),
    suggestionsShown,
    listModelsCalls: server.listModelsCalls,
    maxConcurrentGenerations: maxConcurrent,
  };
}

// ---------------------------------------------------------------------------------------------------------
// 3. Heap growth over 10,000 completions

function gcFunction(): (() => void) | undefined {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
}

/** A plain character window, to tell the pipeline's own memory from the context engine's caches. */
function plainWindow(text: string, offset: number): FimWindow {
  const start = Math.max(0, offset - 6000);
  const end = Math.min(text.length, offset + 1500);
  return { prefix: text.slice(start, offset), suffix: text.slice(offset, end), prefixStartOffset: start, suffixEndOffset: end, prefixTruncated: start > 0, suffixTruncated: end < text.length };
}

async function heapRun(window: 'context engine' | 'plain'): Promise<Record<string, number | string>> {
  const gc = gcFunction();
  const backend = new InstantBackend('instant');
  const pipeline = new CompletionPipeline({
    resolveModel: () => Promise.resolve({ backend, model }),
    clock: instantClock,
    settings: () => fixedSettings,
    logger: nullLogger,
    ...(window === 'plain' ? { fimWindow: plainWindow } : {}),
  });
  const base = corpus().slice(0, 4000);
  const heap = (): number => {
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  let controller = new AbortController();
  const run = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) {
      controller.abort();
      controller = new AbortController();
      // A distinct position each time, so every completion is a new cache entry.
      const text = `${base}\nconst v${i} = `;
      await pipeline.complete(request(`file:///doc${i % 40}.ts`, text, text.length), controller.signal);
    }
  };
  await run(0, 1000);
  const after1k = heap();
  await run(1000, 10_000);
  const after10k = heap();
  return {
    fimWindow: window,
    completions: 10_000,
    requests: backend.requests,
    heapAfter1kMb: round(after1k / 1048576, 2),
    heapAfter10kMb: round(after10k / 1048576, 2),
    growthFrom1kTo10kMb: round((after10k - after1k) / 1048576, 2),
    cacheEntries: pipeline.cache.size,
    cacheBound: pipeline.cache.maxEntries,
    attemptLogEntries: pipeline.attempts.size,
    gcAvailable: gc === undefined ? 0 : 1,
  };
}

// ---------------------------------------------------------------------------------------------------------
// 4. Real time against the fake Ollama server (HTTP)

async function realServerRun(): Promise<Record<string, number | string> | undefined> {
  const serverFile = path.join(root, 'test/fixtures/fakeOllamaServer.ts');
  const backendFile = path.join(root, 'src/backend/ollamaBackend.ts');
  try {
    readFileSync(serverFile);
    readFileSync(backendFile);
  } catch {
    return undefined;
  }
  const { FakeOllamaServer } = await import('../test/fixtures/fakeOllamaServer.js');
  const { OllamaBackend } = await import('../src/backend/ollamaBackend.js');
  const fake = await FakeOllamaServer.start();
  try {
    // The answer never matches what the typist types: every request is typed past at the next keystroke
    // unless the typist pauses long enough for it to finish. The worst case for keeping requests through
    // typing: the pipeline learns from the first disagreements and then aborts at once.
    fake.script({ match: { model: 'qwen2.5-coder:1.5b' }, text: 'zzUnlikelyCompletion(1);\n', firstTokenMs: slowModel.firstTokenMs, tokensPerSecond: slowModel.tokensPerSecond });
    const backend = new OllamaBackend({ id: 'ollama', baseUrl: fake.url, timeoutMs: 30_000 });
    const models = await backend.listModels();
    const qwen = models.find((m) => m.name === 'qwen2.5-coder:1.5b');
    if (qwen === undefined) {
      return { skipped: 'qwen2.5-coder:1.5b not served by the fake' };
    }
    const listCallsBefore = fake.requests.filter((r) => r.path === '/api/tags' || r.path === '/api/show').length;
    const pipeline = new CompletionPipeline({
      resolveModel: () => Promise.resolve({ backend, model: qwen }),
      clock: systemClock,
      settings: defaultSettings,
      logger: nullLogger,
    });
    const truth = corpus();
    const keys = keystrokesOf(truth, 120).slice(0, 120);
    const { gaps } = typingGaps(keys, mulberry32(seed + 1));
    const keyTimes: number[] = [];
    let controller = new AbortController();
    for (let k = 0; k < keys.length; k++) {
      await new Promise((resolve) => setTimeout(resolve, gaps[k] ?? 100));
      const key = keys[k];
      if (key === undefined) {
        break;
      }
      keyTimes.push(performance.now());
      controller.abort();
      controller = new AbortController();
      void pipeline.complete(request('file:///real.ts', truth.slice(0, key.end) + '\n', key.end), controller.signal);
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const generates = fake.requests.filter((r) => r.path === '/api/generate');
    let busy = 0;
    let wasted = 0;
    let orphans = 0;
    let servedPastKeystroke = 0;
    for (const [i, r] of generates.entries()) {
      const end = r.receivedMs + (r.busyMs ?? 0);
      busy += r.busyMs ?? 0;
      // Superseded: still served more than 50 ms after a newer request arrived (allowing for the HTTP close to travel).
      const newer = generates[i + 1];
      if (newer !== undefined && end - newer.receivedMs > 50) {
        orphans++;
      }
      const typedPast = keyTimes.find((t) => t > r.receivedMs);
      if (process.env.BENCH_DEBUG !== undefined) {
        console.log(`request ${r.id}: received ${round(r.receivedMs - (keyTimes[0] ?? 0), 0)} busy ${round(r.busyMs ?? 0, 0)} ${r.outcome}; typed past at ${typedPast === undefined ? '-' : round(typedPast - (keyTimes[0] ?? 0), 0)}`);
      }
      if (typedPast !== undefined && end > typedPast) {
        wasted += end - typedPast;
        // Kept through a keystroke (its answer could still have agreed with the typing, or was due soon).
        if (end - typedPast > 50) {
          servedPastKeystroke++;
        }
      }
    }
    const numCtxValues = new Set(generates.map((r) => r.numCtx));
    return {
      model: `fake Ollama over HTTP, ${slowModel.firstTokenMs} ms to first token, ${slowModel.tokensPerSecond} tok/s`,
      keystrokes: keys.length,
      requests: generates.length,
      requestsPer100Chars: round((generates.length / keys.length) * 100),
      closedEarlyByClient: fake.closedEarly.length,
      closedWhileReadingPrompt: fake.closedEarly.filter((c) => c.phase === 'prompt').length,
      orphanRequests: orphans,
      // Every answer here disagrees with the typing: these are the requests kept through a keystroke before
      // their first token showed it (while answers had not yet been seen to disagree, or with the token due soon).
      servedPastNextKeystroke: servedPastKeystroke,
      wastedServerShare: round(busy === 0 ? 0 : wasted / busy, 3),
      serverBusyMs: round(busy, 0),
      wastedMs: round(wasted, 0),
      distinctNumCtx: numCtxValues.size,
      numCtx: [...numCtxValues].join(','),
      modelListRequestsDuringTyping: fake.requests.filter((r) => r.path === '/api/tags' || r.path === '/api/show').length - listCallsBefore,
    };
  } finally {
    await fake.close();
  }
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const settings = defaultSettings();
  const floor = settings['completion.debounceMs'];

  // BENCH_PART=overhead|typist|heap|real runs one part (for tuning); the default runs everything.
  const part = process.env.BENCH_PART ?? '';
  const want = (name: string): boolean => part === '' || part === name;
  const overhead = want('overhead') ? await overheadRun() : await Promise.resolve({ p50Ms: Number.NaN, p99Ms: Number.NaN } as Record<string, number>);
  console.log(`\nOverhead per keystroke, ${overhead.fileLines}-line file, ${overhead.keystrokes} keystrokes (target p50 ≤ 1 ms, p99 ≤ 5 ms):`);
  console.log(`  all: p50 ${overhead.p50Ms} ms, p99 ${overhead.p99Ms} ms, max ${overhead.maxMs} ms (wall clock; machine load average ${overhead.loadAverage1m} on ${cpus().length} cores)`);
  console.log(`  CPU time per call (whole call, incl. the instant answer): p50 ${overhead.cpuP50Ms} ms, p99 ${overhead.cpuP99Ms} ms`);
  console.log(`  to request sent (${overhead.requestsSent}): p50 ${overhead.requestSentP50Ms} ms, p99 ${overhead.requestSentP99Ms} ms`);
  console.log(`  prompt shared with the previous request while typing on (chars): mean ${round(overhead.promptSharedMean * 100, 1)} %, p10 ${round(overhead.promptSharedP10 * 100, 1)} % (target ≥ 90 %)`);
  console.log(`  answered without a request (${overhead.answeredWithoutRequest}): p50 ${overhead.answeredWithoutRequestP50Ms} ms, p99 ${overhead.answeredWithoutRequestP99Ms} ms`);

  const runs: SimFigures[] = [];
  for (const speed of want('typist') ? (process.env.BENCH_SPEED === 'slow' ? [slowModel] : process.env.BENCH_SPEED === 'fast' ? [fastModel] : [fastModel, slowModel]) : []) {
    for (const on of process.env.BENCH_DEBUG !== undefined ? [true] : [true, false]) {
      runs.push(await simulate(speed, on, settings));
    }
  }
  console.log(`\nSimulated typist (simulated clock and model; oracle model diverging in ${divergencePerLine * 100} % of lines; debounce floor ${floor} ms):`);
  for (const r of runs) {
    console.log(`  ${r.model}, cache+reuse ${r.cacheAndReuse ? 'ON' : 'OFF (baseline)'}:`);
    console.log(`    keystrokes ${r.keystrokes}, requests ${r.requests} = ${r.requestsPer100Chars} per 100 typed chars (target ≤ 2)`);
    const target = floor + (r.model.startsWith('fast') ? fastModel.firstTokenMs : slowModel.firstTokenMs) + 20;
    console.log(`    pauses ${r.pauses}, with a suggestion ready ${r.pausesWithSuggestion}; pause → ready p50 ${r.pauseToReadyP50Ms} ms, p90 ${r.pauseToReadyP90Ms} ms, max ${r.pauseToReadyMaxMs} ms (target ≤ ${target} ms = floor + TTFT + 20, checked on p90)`);
    console.log(`    of those: within ${target} ms ${r.pausesReadyWithinTarget}; later only by the time to stream the text shown ${r.pausesOverTargetOnlyByStreaming}; later than that ${r.pausesOverTargetOtherwise}`);
    console.log(`    pauses longer than floor + TTFT: ${r.pausesLongerThanFloorPlusTtft}, with a suggestion: ${r.pausesLongerThanFloorPlusTtftWithSuggestion}; longer than floor + TTFT + streaming the shown line: ${r.pausesLongerThanFloorPlusTtftPlusLineStream}, with a suggestion: ${r.pausesLongerThanFloorPlusTtftPlusLineStreamWithSuggestion}`);
    console.log(`    orphan generations (superseded, still running) ${r.orphanGenerations} (target 0); max concurrent ${r.maxConcurrentGenerations}; typed past but awaiting first token ${r.typedPastStillRunning}`);
    console.log(`    keystrokes inside a shown suggestion ${r.keystrokesInsideShownSuggestion}, served by typed-through reuse ${r.servedByReuse} = ${round(r.reuseShare * 100, 1)} % (target ≥ 80 %)`);
    console.log(`    server time after typed past: ${round(r.wastedServerShare * 100, 1)} % (target ≤ 10 %); on never-shown requests: ${round(r.unshownServerShare * 100, 1)} %`);
    console.log(`    prompt prefix shared with the previous request: p50 ${round(r.promptPrefixSharedP50 * 100, 1)} %, mean ${round(r.promptPrefixSharedMean * 100, 1)} %; model-list calls ${r.listModelsCalls}`);
  }
  const ratio = (speed: string, key: 'requestsPer100Chars' | 'pauseToReadyP50Ms' | 'wastedServerShare'): number => {
    const on = runs.find((r) => r.model.startsWith(speed) && r.cacheAndReuse);
    const off = runs.find((r) => r.model.startsWith(speed) && !r.cacheAndReuse);
    return on !== undefined && off !== undefined && off[key] !== 0 ? round(on[key] / off[key], 3) : Number.NaN;
  };
  const ratios = {
    fastRequestsOnVsOff: ratio('fast', 'requestsPer100Chars'),
    fastPauseToReadyOnVsOff: ratio('fast', 'pauseToReadyP50Ms'),
    slowRequestsOnVsOff: ratio('slow', 'requestsPer100Chars'),
    slowWastedOnVsOff: ratio('slow', 'wastedServerShare'),
  };
  console.log(`  ratios (with / without cache+reuse): requests fast ${ratios.fastRequestsOnVsOff}, slow ${ratios.slowRequestsOnVsOff}; pause→ready fast ${ratios.fastPauseToReadyOnVsOff}`);

  const heapPlain = want('heap') ? await heapRun('plain') : undefined;
  const heap = want('heap') ? await heapRun('context engine') : ({ cacheEntries: 0, cacheBound: 0, growthFrom1kTo10kMb: 0 } as Record<string, number | string>);
  for (const h of [heapPlain, heap]) {
    if (h !== undefined && h.completions !== undefined) {
      console.log(`\nMemory over ${h.completions} completions (FIM window: ${h.fimWindow}): heap ${h.heapAfter1kMb} MB after 1k, ${h.heapAfter10kMb} MB after 10k (growth ${h.growthFrom1kTo10kMb} MB); cache ${h.cacheEntries}/${h.cacheBound} entries, attempt log ${h.attemptLogEntries}`);
    }
  }

  const real = want('real') ? await realServerRun() : undefined;
  if (real !== undefined) {
    console.log('\nReal time against FakeOllamaServer through OllamaBackend (HTTP):');
    for (const [k, v] of Object.entries(real)) {
      console.log(`  ${k}: ${v}`);
    }
  } else {
    console.log('\nFakeOllamaServer or OllamaBackend not present: real-time run skipped.');
  }

  const fastOn = runs.find((r) => r.model.startsWith('fast') && r.cacheAndReuse);
  const slowOn = runs.find((r) => r.model.startsWith('slow') && r.cacheAndReuse);
  const targets = {
    overheadP50: overhead.p50Ms <= 1,
    overheadP99: overhead.p99Ms <= 5,
    requestsPer100Chars: (fastOn?.requestsPer100Chars ?? 99) <= 2,
    // The fast model's pause → ready target, checked on p90 (p50 is 0: most pauses are served by reuse); the max
    // is only bounded by the target plus the time to stream the text shown, for a request sent at the pause.
    pauseToReadyP90: (fastOn?.pauseToReadyP90Ms ?? 1e9) <= floor + fastModel.firstTokenMs + 20,
    pauseToReadyEveryPauseAllowingStreaming: fastOn !== undefined && fastOn.pausesOverTargetOtherwise === 0,
    orphansFast: fastOn?.orphanGenerations === 0,
    orphansSlow: slowOn?.orphanGenerations === 0,
    reuseShare: (fastOn?.reuseShare ?? 0) >= 0.8,
    wastedSlow: (slowOn?.wastedServerShare ?? 1) <= 0.1,
    everyLongPauseSlow: slowOn !== undefined && slowOn.pausesLongerThanFloorPlusTtftWithSuggestion === slowOn.pausesLongerThanFloorPlusTtft,
    everyPauseLongEnoughToStreamTheLineSlow: slowOn !== undefined && slowOn.pausesLongerThanFloorPlusTtftPlusLineStreamWithSuggestion === slowOn.pausesLongerThanFloorPlusTtftPlusLineStream,
    // The pipeline's own memory (plain window): bounded by the cache. The context engine's line cache is reported apart.
    heapBounded: heapPlain !== undefined && Number(heapPlain.cacheEntries) <= Number(heapPlain.cacheBound) && Number(heapPlain.growthFrom1kTo10kMb) < 5,
    noModelListing: (fastOn?.listModelsCalls ?? 1) === 0 && (slowOn?.listModelsCalls ?? 1) === 0,
  };
  console.log('\nTargets met:', JSON.stringify(targets));

  const results = {
    bench: 'completion',
    date: new Date().toISOString(),
    node: process.version,
    seconds: round((performance.now() - started) / 1000, 1),
    notes:
      'Typist figures come from a simulated clock and a simulated oracle model (deterministic, seeded), not real time. The real-time part runs against the in-process FakeOllamaServer over HTTP.',
    debounceFloorMs: floor,
    divergencePerLine,
    overhead,
    typist: runs,
    ratios,
    heap: { pipelineOnly: heapPlain ?? null, withContextEngineWindow: heap },
    realServer: real ?? null,
    targets,
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/completion.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nWrote bench/results/completion.json in ${results.seconds} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
