/**
 * "Benchmark Models": measures each tier's model on this machine (load time, time to first token and tokens per
 * second for a short and a long prompt), and renders the results as an HTML table and an inline SVG chart.
 * Pure: no `vscode` import; the backend, the clock and cancellation come from the caller.
 */
import type { GenerationResult, LlmBackend, RequestMetrics } from '../backend/types';
import type { Tier } from '../settings/schema';
import { isTieredError } from '../backend/errors';
import { escapeHtml } from '../util/html';

/** One model to measure. */
export interface BenchmarkTarget {
  readonly tier: Tier;
  readonly endpointId: string;
  readonly model: string;
  readonly backend: Pick<LlmBackend, 'generate'>;
}

/** Figures for one prompt size. */
export interface PromptFigures {
  readonly timeToFirstTokenMs: number;
  readonly tokensPerSecond: number;
  readonly promptTokens: number;
  readonly generatedTokens: number;
}

/** One model's results. */
export interface BenchmarkResult {
  readonly tier: Tier;
  readonly endpointId: string;
  readonly model: string;
  /** Load time reported by the server on the first request (0 when it was already loaded). */
  readonly loadMs: number;
  readonly short: PromptFigures | undefined;
  readonly long: PromptFigures | undefined;
  /** Why the model could not be measured, when it could not. */
  readonly error?: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/** A stored run. */
export interface BenchmarkRun {
  readonly at: number;
  readonly results: readonly BenchmarkResult[];
}

export interface BenchmarkOptions {
  readonly signal?: AbortSignal;
  /** Called before each step, e.g. "code: qwen2.5-coder:7b — long prompt"; `fraction` is 0..1 of the whole run. */
  readonly onProgress?: (message: string, fraction: number) => void;
  /** Every measured request, to feed the router's speed statistics. */
  readonly onMetrics?: (target: BenchmarkTarget, metrics: RequestMetrics, size: 'short' | 'long') => void;
  /** Short-prompt repetitions (default 3, so the router has enough samples). */
  readonly shortRuns?: number;
  /** Tokens to generate per request (default 48). */
  readonly numPredict?: number;
  readonly now?: () => number;
}

export const shortPrompt = 'Write a TypeScript function `clamp(value, min, max)` that limits a number to a range.';

/** About 1,500 tokens of code followed by a question, to measure prompt evaluation. */
export function longPrompt(): string {
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    lines.push(`export function step${i}(input: number[]): number[] {`, `  return input.map((x, j) => (x * ${i + 1} + j) % ${97 + i});`, '}');
  }
  return `${lines.join('\n')}\n\nExplain in two sentences what these functions have in common.`;
}

async function measure(target: BenchmarkTarget, prompt: string, numPredict: number, signal: AbortSignal | undefined): Promise<GenerationResult> {
  let result: GenerationResult | undefined;
  for await (const event of target.backend.generate({ model: target.model, prompt, numPredict, temperature: 0, seed: 1, ...(signal ? { signal } : {}) })) {
    if (event.type === 'done') {
      result = event.result;
    }
  }
  if (result === undefined) {
    throw new Error('the stream ended without a result');
  }
  return result;
}

function figures(metrics: RequestMetrics): PromptFigures {
  return {
    // Load time is reported separately; keep it out of the steady-state time to first token.
    timeToFirstTokenMs: Math.max(0, metrics.timeToFirstTokenMs - metrics.loadMs),
    tokensPerSecond: metrics.tokensPerSecond,
    promptTokens: metrics.promptTokens,
    generatedTokens: metrics.generatedTokens,
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Runs the benchmark target by target. Cancelling stops at once and rejects with the abort error. */
export async function runBenchmark(targets: readonly BenchmarkTarget[], options: BenchmarkOptions = {}): Promise<BenchmarkResult[]> {
  const shortRuns = Math.max(1, options.shortRuns ?? 3);
  const numPredict = options.numPredict ?? 48;
  const now = options.now ?? Date.now;
  const stepsPerTarget = shortRuns + 1;
  const totalSteps = Math.max(1, targets.length * stepsPerTarget);
  const results: BenchmarkResult[] = [];
  let step = 0;
  const long = longPrompt();
  for (const target of targets) {
    const label = `${target.tier}: ${target.model}`;
    let loadMs = 0;
    const shorts: PromptFigures[] = [];
    let longFigures: PromptFigures | undefined;
    try {
      for (let i = 0; i < shortRuns; i++) {
        options.onProgress?.(`${label} — short prompt ${i + 1}/${shortRuns}${i === 0 ? ' (loads the model)' : ''}`, step / totalSteps);
        const r = await measure(target, shortPrompt, numPredict, options.signal);
        if (i === 0) {
          loadMs = r.metrics.loadMs;
        }
        shorts.push(figures(r.metrics));
        options.onMetrics?.(target, r.metrics, 'short');
        step++;
      }
      options.onProgress?.(`${label} — long prompt`, step / totalSteps);
      const r = await measure(target, long, numPredict, options.signal);
      longFigures = figures(r.metrics);
      options.onMetrics?.(target, r.metrics, 'long');
      step++;
      // The first short run may include warm-up; average the steady runs when there are any.
      const steady = shorts.length > 1 ? shorts.slice(1) : shorts;
      results.push({
        tier: target.tier,
        endpointId: target.endpointId,
        model: target.model,
        loadMs,
        short: {
          timeToFirstTokenMs: mean(steady.map((s) => s.timeToFirstTokenMs)),
          tokensPerSecond: mean(steady.map((s) => s.tokensPerSecond)),
          promptTokens: steady[0]?.promptTokens ?? 0,
          generatedTokens: steady[0]?.generatedTokens ?? 0,
        },
        long: longFigures,
        at: now(),
      });
    } catch (error) {
      if (options.signal?.aborted === true || isTieredError(error, 'aborted')) {
        throw error;
      }
      step = results.length * stepsPerTarget + stepsPerTarget;
      results.push({
        tier: target.tier,
        endpointId: target.endpointId,
        model: target.model,
        loadMs,
        short: undefined,
        long: undefined,
        error: error instanceof Error ? error.message : String(error),
        at: now(),
      });
    }
  }
  options.onProgress?.('done', 1);
  return results;
}

function ms(v: number | undefined): string {
  if (v === undefined) {
    return '—';
  }
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
}

function tps(v: number | undefined): string {
  return v === undefined ? '—' : `${v.toFixed(1)}`;
}

/** The results as an HTML table (escaped). */
export function renderTable(results: readonly BenchmarkResult[]): string {
  const head = '<tr><th>Tier</th><th>Model</th><th>Load</th><th>First token (short)</th><th>Tokens/s (short)</th><th>First token (long)</th><th>Tokens/s (long)</th><th>Prompt tokens (long)</th></tr>';
  const rows = results.map((r) => {
    if (r.error !== undefined) {
      return `<tr class="error"><td>${escapeHtml(r.tier)}</td><td>${escapeHtml(r.model)}</td><td colspan="6">${escapeHtml(r.error)}</td></tr>`;
    }
    return `<tr><td>${escapeHtml(r.tier)}</td><td>${escapeHtml(r.model)}</td><td>${ms(r.loadMs)}</td><td>${ms(r.short?.timeToFirstTokenMs)}</td><td>${tps(r.short?.tokensPerSecond)}</td><td>${ms(r.long?.timeToFirstTokenMs)}</td><td>${tps(r.long?.tokensPerSecond)}</td><td>${r.long?.promptTokens ?? '—'}</td></tr>`;
  });
  return `<table id="results"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * A grouped horizontal bar chart of tokens per second (short and long prompt) per model, as inline SVG.
 * Colours come from CSS classes so the webview's theme variables apply.
 */
export function renderChart(results: readonly BenchmarkResult[]): string {
  const measured = results.filter((r) => r.error === undefined);
  const barH = 14;
  const groupH = barH * 2 + 14;
  const labelW = 220;
  const chartW = 360;
  const top = 24;
  const height = top + Math.max(1, measured.length) * groupH + 24;
  const max = Math.max(1, ...measured.flatMap((r) => [r.short?.tokensPerSecond ?? 0, r.long?.tokensPerSecond ?? 0]));
  const parts: string[] = [
    `<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="${labelW + chartW + 80}" height="${height}" role="img" aria-label="Tokens per second per model">`,
    `<text x="0" y="14" class="title">Tokens per second (higher is faster)</text>`,
  ];
  measured.forEach((r, i) => {
    const y = top + i * groupH;
    parts.push(`<text x="0" y="${y + barH + 4}" class="label">${escapeHtml(`${r.tier}: ${r.model}`)}</text>`);
    const bars: [string, number][] = [
      ['short', r.short?.tokensPerSecond ?? 0],
      ['long', r.long?.tokensPerSecond ?? 0],
    ];
    bars.forEach(([kind, value], j) => {
      const w = Math.max(1, Math.round((value / max) * chartW));
      const by = y + j * barH;
      parts.push(`<rect x="${labelW}" y="${by}" width="${w}" height="${barH - 2}" class="bar ${kind}"><title>${kind} prompt: ${value.toFixed(1)} tokens/s</title></rect>`);
      parts.push(`<text x="${labelW + w + 4}" y="${by + barH - 3}" class="value">${value.toFixed(1)}</text>`);
    });
  });
  if (measured.length === 0) {
    parts.push(`<text x="0" y="${top + 14}" class="label">No model could be measured.</text>`);
  }
  const ly = height - 8;
  parts.push(`<rect x="${labelW}" y="${ly - 9}" width="10" height="10" class="bar short"/><text x="${labelW + 14}" y="${ly}" class="value">short prompt</text>`);
  parts.push(`<rect x="${labelW + 110}" y="${ly - 9}" width="10" height="10" class="bar long"/><text x="${labelW + 124}" y="${ly}" class="value">long prompt</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Keeps stored runs bounded, newest first. */
export function addRun(previous: readonly BenchmarkRun[], run: BenchmarkRun, keep = 10): BenchmarkRun[] {
  return [run, ...previous].slice(0, keep);
}

/** Parse stored runs defensively (globalState may hold anything from an older version). */
export function parseRuns(value: unknown): BenchmarkRun[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const runs: BenchmarkRun[] = [];
  for (const v of value) {
    if (typeof v === 'object' && v !== null && 'at' in v && typeof v.at === 'number' && 'results' in v && Array.isArray(v.results)) {
      const results = v.results.filter(isResult);
      runs.push({ at: v.at, results });
    }
  }
  return runs;
}

function isResult(v: unknown): v is BenchmarkResult {
  return typeof v === 'object' && v !== null && 'tier' in v && typeof v.tier === 'string' && 'model' in v && typeof v.model === 'string' && 'endpointId' in v && typeof v.endpointId === 'string' && 'loadMs' in v && typeof v.loadMs === 'number';
}
