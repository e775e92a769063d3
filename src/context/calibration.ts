/**
 * Per-model token calibration. Local models tokenize differently from cl100k, so after each request the
 * server's reported prompt token count is compared with our raw estimate of the same prompt, and the
 * ratio is learned per model: smoothed, clamped, persisted, with a default per model family until the
 * first observations arrive. Budgets are then computed with `raw × factor`.
 *
 * Pure: no `vscode` import. Persistence goes through the {@link KeyValueStore} port
 * (the extension adapts `ExtensionContext.globalState`).
 */
import { z } from 'zod';
import type { TokenCounter } from './tokenCounter';

/** Where calibration is persisted. `globalState` fits this shape. */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): Promise<void> | void;
}

/** The storage key (versioned so a format change starts afresh instead of misreading). */
export const calibrationStorageKey = 'tiered.tokenCalibration.v1';

/** Factors are kept within these bounds, whatever the observations say. */
export const minFactor = 0.5;
export const maxFactor = 2.5;

/**
 * Model tokens per cl100k token on source code, by architecture family, used until a model has been
 * observed. These are informed guesses from vocabulary sizes (32k-vocabulary SentencePiece models such
 * as Llama 2/CodeLlama/Mistral spend more tokens on code; 100k+ BPE vocabularies such as Qwen2 and
 * Llama 3 are close to cl100k), not measurements; the learned factor replaces them.
 */
const familyDefaults: readonly (readonly [RegExp, number])[] = [
  [/^qwen/i, 1.05],
  [/^deepseek2/i, 1.05],
  [/^deepseek/i, 1.15],
  [/^starcoder/i, 1.12],
  [/^gemma/i, 1.1],
  [/^(phi3|phi)/i, 1.25],
  [/^(mistral|mixtral|codestral)/i, 1.2],
  [/^granite/i, 1.15],
  [/^gpt-?oss/i, 1.0],
  // "llama" covers both Llama 3 (128k vocabulary, ~1.0) and Llama 2/CodeLlama (32k, ~1.3).
  [/^llama/i, 1.15],
];

/** Used when neither the model nor its family is known: slightly pessimistic, so budgets stay safe. */
export const unknownFamilyFactor = 1.2;

/** The default factor for a model family (`ModelInfo.family`, e.g. `qwen2`, `llama`). */
export function defaultFactorForFamily(family: string): number {
  for (const [pattern, factor] of familyDefaults) {
    if (pattern.test(family.trim())) {
      return factor;
    }
  }
  return unknownFamilyFactor;
}

const modelRecordSchema = z.object({
  factor: z.number().finite().min(minFactor).max(maxFactor),
  samples: z.number().int().min(0),
  /** Smoothed absolute error of the calibrated estimate, as a fraction of the reported count. */
  meanAbsError: z.number().finite().min(0),
  /** Observations scored for the error (each is scored against the factor in force before it). */
  errorSamples: z.number().int().min(0),
  /** Smoothed relative distance of observed ratios above the factor (how far one prompt can run over it). */
  overshoot: z.number().finite().min(0).default(0),
  /** The largest ratio among the recent observations (decays toward the factor). */
  peak: z.number().finite().min(0).default(0),
});
type ModelRecord = z.infer<typeof modelRecordSchema>;

const storedSchema = z.object({ models: z.record(z.string(), z.unknown()) });

/**
 * How much of the prompt a server's count covers.
 * - `exact`: the server's tokenizer counted the whole prompt (llama-server `/tokenize`).
 * - `whole`: the count includes tokens served from the server's cache (llama-server `cache_n + prompt_n`,
 *   OpenAI `usage.prompt_tokens`).
 * - `evaluated`: only the tokens evaluated this time (Ollama `prompt_eval_count` leaves out its cached prefix).
 */
export type CountCoverage = 'exact' | 'whole' | 'evaluated';

/** What is known about one observation besides the two counts. */
export interface ObservationContext {
  /** Default `whole`. */
  readonly coverage?: CountCoverage;
  /** Tokens the server reported as served from its cache. */
  readonly cachedTokens?: number;
  /**
   * Share (0–1) of this prompt's start that the previous prompt sent to the same model also had: a prefix cache
   * may have served that much, so an `evaluated` count may leave it out.
   */
  readonly sharedPrefix?: number;
}

/** Observations before a model counts as calibrated; until then budgets keep {@link uncalibratedMargin}. */
export const calibratedAfter = 4;
/** The extra share on top of the factor until a model is calibrated (tokenizers differ by more than the family guess). */
export const uncalibratedMargin = 0.4;
/** Once calibrated, the extra share on top of the factor stays within these bounds. */
export const minCalibratedMargin = 0.04;
export const maxCalibratedMargin = 0.3;
/** An `evaluated` count this much under the expected one, for a prompt a cache could have served, is ignored. */
const cachedCountTolerance = 0.1;
/** A shared prefix up to this share of the prompt is too short to matter. */
const negligiblePrefix = 0.05;

/** Options of {@link TokenCalibration}. */
export interface CalibrationOptions {
  /** Weight of a new observation once warmed up (exponential moving average). Default 0.2. */
  readonly alpha?: number;
  /** Prompts whose raw estimate is below this are too small to learn from (template overhead dominates). Default 32. */
  readonly minEstimatedTokens?: number;
  /** Reports called when persisting fails; defaults to ignoring it (calibration is only an optimisation). */
  readonly onPersistError?: (error: unknown) => void;
}

/** How good the estimate has been for a model. */
export interface CalibrationError {
  /** Mean absolute error of the calibrated estimate, in percent of the server's count (0 when no samples). */
  readonly meanAbsPct: number;
  readonly samples: number;
}

/** Learns and serves per-model calibration factors. */
export class TokenCalibration {
  private readonly records = new Map<string, ModelRecord>();
  private loaded = false;
  private readonly alpha: number;
  private readonly minEstimated: number;

  constructor(
    private readonly store: KeyValueStore | undefined,
    private readonly options: CalibrationOptions = {},
  ) {
    this.alpha = clamp(options.alpha ?? 0.2, 0.01, 1);
    this.minEstimated = Math.max(1, options.minEstimatedTokens ?? 32);
  }

  /** The factor to multiply raw counts by for this model (the central estimate). */
  factorFor(model: string, family: string): number {
    return this.record(model)?.factor ?? defaultFactorForFamily(family);
  }

  /** Whether enough observations back the factor for the calibrated margin to apply. */
  isCalibrated(model: string): boolean {
    return (this.record(model)?.samples ?? 0) >= calibratedAfter;
  }

  /**
   * The factor to size `num_ctx` and budgets with: an upper bound on model tokens per raw token. Until the model is
   * calibrated, the larger of the learned and the family factor plus {@link uncalibratedMargin}; then the factor
   * plus twice the observed overshoot (within {@link minCalibratedMargin}–{@link maxCalibratedMargin}), and never
   * below the largest recent ratio.
   */
  upperFactorFor(model: string, family: string): number {
    const record = this.record(model);
    const fallback = defaultFactorForFamily(family);
    if (record === undefined || record.samples < calibratedAfter) {
      return clamp(Math.max(record?.factor ?? fallback, fallback) * (1 + uncalibratedMargin), minFactor, maxFactor * (1 + uncalibratedMargin));
    }
    const margin = clamp(2 * record.overshoot, minCalibratedMargin, maxCalibratedMargin);
    return Math.max(record.factor * (1 + margin), record.peak * (1 + minCalibratedMargin / 2));
  }

  /**
   * Learns from one request. `estimatedTokens` is the RAW (uncalibrated) count of the prompt as sent,
   * rendered template included if possible; `reportedTokens` is the server's count of it, which `context` says
   * how much of the prompt covers. Ignored: a ratio outside the clamp; once warmed up, a ratio far from the
   * learned factor (a truncated prompt) unless the count is exact; and an `evaluated` count (Ollama
   * `prompt_eval_count`) when the server reported cached tokens, or when a cache could have served part of the
   * prompt (it shares a prefix with the previous prompt) and the count is under what the factor expects.
   * Returns whether the observation was used.
   */
  observe(model: string, family: string, estimatedTokens: number, reportedTokens: number, context: ObservationContext = {}): boolean {
    if (!(Number.isFinite(estimatedTokens) && Number.isFinite(reportedTokens))) {
      return false;
    }
    if (estimatedTokens < this.minEstimated || reportedTokens <= 0) {
      return false;
    }
    const ratio = reportedTokens / estimatedTokens;
    if (ratio < minFactor || ratio > maxFactor) {
      return false;
    }
    const previous = this.record(model);
    const prior = previous?.factor ?? defaultFactorForFamily(family);
    const coverage = context.coverage ?? 'whole';
    if (coverage === 'evaluated') {
      // The count may leave out what the server's cache served: learn only from counts that cover the whole prompt.
      if ((context.cachedTokens ?? 0) > 0) {
        return false;
      }
      const cacheable = (context.sharedPrefix ?? 1) > negligiblePrefix;
      if (cacheable && reportedTokens < estimatedTokens * prior * (1 - cachedCountTolerance)) {
        return false;
      }
    }
    if (coverage !== 'exact' && previous !== undefined && previous.samples >= 3 && Math.abs(ratio - prior) / prior > 0.5) {
      return false;
    }
    // Score the estimate we would have made before learning from this sample.
    const absError = Math.abs(estimatedTokens * prior - reportedTokens) / reportedTokens;
    const samples = (previous?.samples ?? 0) + 1;
    // A plain mean for the first samples (1/n), then an exponential moving average.
    const weight = Math.max(this.alpha, 1 / samples);
    const factor = clamp(previous === undefined ? ratio : prior + weight * (ratio - prior), minFactor, maxFactor);
    const errorSamples = (previous?.errorSamples ?? 0) + 1;
    const errorWeight = Math.max(this.alpha, 1 / errorSamples);
    const meanAbsError = previous === undefined ? absError : previous.meanAbsError + errorWeight * (absError - previous.meanAbsError);
    // How far above the (new) factor this prompt ran: the upper bound must cover prompts like it.
    const above = Math.max(0, ratio - factor) / factor;
    const overshoot = previous === undefined ? above : previous.overshoot + weight * (above - previous.overshoot);
    // The peak decays toward the factor, so one odd prompt does not widen every later budget for good.
    const decayed = previous === undefined ? ratio : factor + (previous.peak - factor) * (1 - this.alpha / 2);
    const peak = Math.max(ratio, decayed);
    this.records.set(model, { factor, samples, meanAbsError, errorSamples, overshoot, peak });
    this.persist();
    return true;
  }

  /** The smoothed error of the calibrated estimate for a model, and how many requests it rests on. */
  errorFor(model: string): CalibrationError {
    const record = this.record(model);
    if (record === undefined || record.errorSamples === 0) {
      return { meanAbsPct: 0, samples: 0 };
    }
    return { meanAbsPct: record.meanAbsError * 100, samples: record.errorSamples };
  }

  /** A calibrated estimate of a text's tokens for a model (rounded up). */
  estimate(model: string, family: string, text: string, counter: TokenCounter): { tokens: number; factor: number } {
    const factor = this.factorFor(model, family);
    const raw = counter.count(text);
    return { tokens: raw === 0 ? 0 : Math.ceil(raw * factor), factor };
  }

  /** Forgets what was learned for one model (or all models), e.g. after the model was re-pulled. */
  reset(model?: string): void {
    this.ensureLoaded();
    if (model === undefined) {
      this.records.clear();
    } else {
      this.records.delete(model);
    }
    this.persist();
  }

  private record(model: string): ModelRecord | undefined {
    this.ensureLoaded();
    return this.records.get(model);
  }

  private ensureLoaded(): void {
    if (this.loaded) {
      return;
    }
    this.loaded = true;
    if (this.store === undefined) {
      return;
    }
    let raw: unknown;
    try {
      raw = this.store.get(calibrationStorageKey);
    } catch {
      return;
    }
    const parsed = storedSchema.safeParse(raw);
    if (!parsed.success) {
      return;
    }
    // Each model is validated on its own, so one corrupt entry does not discard the rest.
    for (const [model, value] of Object.entries(parsed.data.models)) {
      const record = modelRecordSchema.safeParse(value);
      if (record.success) {
        this.records.set(model, record.data);
      }
    }
  }

  private persist(): void {
    if (this.store === undefined) {
      return;
    }
    const models: Record<string, ModelRecord> = {};
    for (const model of [...this.records.keys()].sort()) {
      const record = this.records.get(model);
      if (record !== undefined) {
        models[model] = record;
      }
    }
    const report = this.options.onPersistError ?? (() => undefined);
    try {
      const result = this.store.set(calibrationStorageKey, { models });
      if (result instanceof Promise) {
        result.catch(report);
      }
    } catch (error) {
      report(error);
    }
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

const sharedByStore = new WeakMap<KeyValueStore, TokenCalibration>();

/** One calibration per store, so every feature (chat, Explain, Review) learns into, and persists, the same records. */
export function sharedCalibration(store: KeyValueStore, options?: CalibrationOptions): TokenCalibration {
  let calibration = sharedByStore.get(store);
  if (calibration === undefined) {
    calibration = new TokenCalibration(store, options);
    sharedByStore.set(store, calibration);
  }
  return calibration;
}
