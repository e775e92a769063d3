/**
 * Measured speed per endpoint/model, smoothed over real requests, and the budgets that say when a model
 * is too slow for a quick task. The router reads a snapshot. Pure: no `vscode` import.
 */
import { formatMs } from '../util/format';
import type { RequestMetrics } from '../backend/types';
import type { SpeedSample } from './types';

/** Key of one endpoint/model in speed maps: `endpointId/model`. */
export function speedKey(endpointId: string, model: string): string {
  return `${endpointId}/${model}`;
}

/** What a quick task can afford. */
export interface SpeedBudget {
  /** Above this steady-state time to first token, the model is too slow. */
  readonly maxTimeToFirstTokenMs: number;
  /** Below this generation speed, the model is too slow (0 = no limit). */
  readonly minTokensPerSecond: number;
}

/** The quick kinds of work that have a speed budget. Hard work waits for a good answer. */
export type QuickWork = 'inlineCompletion' | 'quickQuestion';

/** Budgets for quick work. Inline completion must show ghost text while the user still pauses. */
export const speedBudgets: Readonly<Record<QuickWork, SpeedBudget>> = {
  inlineCompletion: { maxTimeToFirstTokenMs: 1500, minTokensPerSecond: 8 },
  quickQuestion: { maxTimeToFirstTokenMs: 6000, minTokensPerSecond: 4 },
};

/** Fewer samples than this say nothing about a model's speed. */
export const minSpeedSamples = 3;

/** Why a sample breaks a budget, or undefined when it fits (or there are too few samples to say). */
export function tooSlowFor(sample: SpeedSample | undefined, budget: SpeedBudget): string | undefined {
  if (sample === undefined || sample.samples < minSpeedSamples) {
    return undefined;
  }
  if (sample.timeToFirstTokenMs > budget.maxTimeToFirstTokenMs) {
    return `first token after ${formatMs(sample.timeToFirstTokenMs)} on average (limit ${formatMs(budget.maxTimeToFirstTokenMs)})`;
  }
  if (budget.minTokensPerSecond > 0 && sample.tokensPerSecond > 0 && sample.tokensPerSecond < budget.minTokensPerSecond) {
    return `${sample.tokensPerSecond.toFixed(1)} tokens/s on average (needs ${budget.minTokensPerSecond})`;
  }
  return undefined;
}

/** Options of {@link SpeedStats}. */
export interface SpeedStatsOptions {
  /** Weight of the newest request in the moving average, 0..1 (default 0.3). */
  readonly alpha?: number;
}

interface MutableSample {
  tokensPerSecond: number;
  timeToFirstTokenMs: number;
  samples: number;
  ttftSamples: number;
  tpsSamples: number;
}

/**
 * Exponential moving averages of time to first token and tokens per second, per endpoint/model.
 * Model load time is subtracted from the time to first token: a cold load happens once and should not make
 * a model look slow for every later request.
 */
export class SpeedStats {
  private readonly alpha: number;
  private readonly samples = new Map<string, MutableSample>();

  constructor(options: SpeedStatsOptions = {}) {
    const alpha = options.alpha ?? 0.3;
    this.alpha = Math.min(1, Math.max(0.01, alpha));
  }

  /** Record one finished request. Metrics that are zero (unknown) leave their average unchanged. */
  record(endpointId: string, model: string, metrics: RequestMetrics): void {
    const key = speedKey(endpointId, model);
    const s = this.samples.get(key) ?? { tokensPerSecond: 0, timeToFirstTokenMs: 0, samples: 0, ttftSamples: 0, tpsSamples: 0 };
    const ttft = metrics.timeToFirstTokenMs > 0 ? Math.max(0, metrics.timeToFirstTokenMs - Math.max(0, metrics.loadMs)) : undefined;
    if (ttft !== undefined) {
      s.timeToFirstTokenMs = s.ttftSamples === 0 ? ttft : s.timeToFirstTokenMs + this.alpha * (ttft - s.timeToFirstTokenMs);
      s.ttftSamples++;
    }
    if (metrics.tokensPerSecond > 0) {
      const tps = metrics.tokensPerSecond;
      s.tokensPerSecond = s.tpsSamples === 0 ? tps : s.tokensPerSecond + this.alpha * (tps - s.tokensPerSecond);
      s.tpsSamples++;
    }
    if (ttft !== undefined || metrics.tokensPerSecond > 0) {
      s.samples++;
    }
    this.samples.set(key, s);
  }

  /** The smoothed figures for one endpoint/model, or undefined before any request. */
  get(endpointId: string, model: string): SpeedSample | undefined {
    const s = this.samples.get(speedKey(endpointId, model));
    return s === undefined || s.samples === 0 ? undefined : freeze(s);
  }

  /** Why this endpoint/model is too slow for the quick work, or undefined when it is fast enough or unmeasured. */
  tooSlowFor(endpointId: string, model: string, work: QuickWork): string | undefined {
    return tooSlowFor(this.get(endpointId, model), speedBudgets[work]);
  }

  /** A copy for {@link RouterEnvironment.speeds}. */
  snapshot(): ReadonlyMap<string, SpeedSample> {
    const out = new Map<string, SpeedSample>();
    for (const [key, s] of this.samples) {
      if (s.samples > 0) {
        out.set(key, freeze(s));
      }
    }
    return out;
  }

  /** Forget one model (e.g. after it was deleted or its server changed) or everything. */
  clear(endpointId?: string, model?: string): void {
    if (endpointId === undefined || model === undefined) {
      this.samples.clear();
      return;
    }
    this.samples.delete(speedKey(endpointId, model));
  }

  /** Plain data for persistence (e.g. in globalState). */
  toJSON(): Record<string, SpeedSample> {
    return Object.fromEntries(this.snapshot());
  }

  /** Restore from {@link toJSON}; invalid entries are skipped. */
  static fromJSON(data: unknown, options: SpeedStatsOptions = {}): SpeedStats {
    const stats = new SpeedStats(options);
    if (typeof data !== 'object' || data === null) {
      return stats;
    }
    for (const [key, value] of Object.entries(data)) {
      if (isSpeedSample(value)) {
        stats.samples.set(key, {
          tokensPerSecond: value.tokensPerSecond,
          timeToFirstTokenMs: value.timeToFirstTokenMs,
          samples: value.samples,
          ttftSamples: value.timeToFirstTokenMs > 0 ? value.samples : 0,
          tpsSamples: value.tokensPerSecond > 0 ? value.samples : 0,
        });
      }
    }
    return stats;
  }
}

function freeze(s: MutableSample): SpeedSample {
  return { tokensPerSecond: s.tokensPerSecond, timeToFirstTokenMs: s.timeToFirstTokenMs, samples: s.samples };
}

function isFiniteNonNegative(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isSpeedSample(v: unknown): v is SpeedSample {
  if (typeof v !== 'object' || v === null) {
    return false;
  }
  return (
    'tokensPerSecond' in v &&
    isFiniteNonNegative(v.tokensPerSecond) &&
    'timeToFirstTokenMs' in v &&
    isFiniteNonNegative(v.timeToFirstTokenMs) &&
    'samples' in v &&
    isFiniteNonNegative(v.samples) &&
    v.samples > 0
  );
}
