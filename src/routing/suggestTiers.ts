/**
 * Suggest which installed model should serve each tier, from size, family/name (coder models),
 * fill-in-the-middle support and mixture-of-experts details. Used when a tier's setting is empty,
 * and by onboarding to propose settings. Pure and deterministic: no `vscode` import.
 */
import type { ModelInfo } from '../backend/types';
import type { Tier } from '../settings/schema';
import type { ModelTraits } from './modelTraits';
import { chatModels, formatParams, modelTraits, sameModel } from './modelTraits';

/** One tier's suggestion. */
export interface TierSuggestion {
  readonly model: string;
  readonly endpointId: string;
  /** Why this model, e.g. "code model (qwen2.5-coder, 7.6B) with fill-in-the-middle". */
  readonly reason: string;
}

/** A suggestion per tier; `undefined` when no installed model fits that tier. */
export type TierMapping = Record<Tier, TierSuggestion | undefined>;

interface Candidate {
  readonly info: ModelInfo;
  readonly traits: ModelTraits;
  readonly loaded: boolean;
}

/** The largest model the small tier accepts (billions of parameters). */
export const smallTierMaxParamsB = 8;
/** A dense model at least this large can stand in for the moe tier when no MoE model is installed. */
export const hardTierMinDenseParamsB = 20;

function isLoaded(model: ModelInfo, loaded: readonly { endpointId: string; name: string }[]): boolean {
  return loaded.some((l) => l.endpointId === model.endpointId && sameModel(l.name, model.name));
}

/** Distance from an ideal size on a log scale (so 7B vs 14B counts like 14B vs 28B). */
function logDistance(paramsB: number | undefined, ideal: number): number {
  if (paramsB === undefined || paramsB <= 0) {
    return 3; // unknown size: worse than any known one nearby
  }
  return Math.abs(Math.log2(paramsB / ideal));
}

// Deterministic ordering: higher score first, then the tie-breakers, then the name and endpoint.
function pickBest(candidates: readonly Candidate[], score: (c: Candidate) => number): Candidate | undefined {
  let best: Candidate | undefined;
  let bestKey: readonly (number | string)[] = [];
  for (const c of candidates) {
    // Rounded so float noise never beats the "already loaded" tie-breaker.
    const key = [-Math.round(score(c) * 100) / 100, c.loaded ? 0 : 1, c.info.name, c.info.endpointId];
    if (best === undefined || compareKeys(key, bestKey) < 0) {
      best = c;
      bestKey = key;
    }
  }
  return best;
}

function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y || x === undefined || y === undefined) {
      continue;
    }
    if (typeof x === 'number' && typeof y === 'number') {
      return x - y;
    }
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

function describe(c: Candidate): string {
  const t = c.traits;
  const parts = [formatParams(t.paramsB)];
  if (t.moe && t.activeParamsB !== undefined && t.activeParamsB !== t.paramsB) {
    parts.push(`${formatParams(t.activeParamsB)} active`);
  }
  if (c.info.family !== '') {
    parts.unshift(c.info.family);
  }
  return parts.join(', ');
}

/**
 * Suggest a model for each tier from what is installed.
 * - moe: the largest mixture-of-experts model (expert_count, or names like `30b-a3b`, `mixtral`, `deepseek-v2`,
 *   `qwen3-moe`); else the largest dense model of at least {@link hardTierMinDenseParamsB}B.
 * - code: a coder model of about 7–16B, preferring fill-in-the-middle support; else a general model of that size.
 * - small: the model nearest 3B, at most {@link smallTierMaxParamsB}B.
 * Each tier gets a different model when possible; ties go to a model already loaded, then by name.
 */
export function suggestTierMapping(
  installed: readonly ModelInfo[],
  loaded: readonly { endpointId: string; name: string }[] = [],
): TierMapping {
  // Base models complete code but answer questions poorly: used only when nothing else exists.
  const pool: Candidate[] = chatModels(installed).map((info) => ({ info, traits: modelTraits(info), loaded: isLoaded(info, loaded) }));

  const used = new Set<string>();
  const keyOf = (c: Candidate): string => `${c.info.endpointId}/${c.info.name}`;
  const take = (c: Candidate, reason: string): TierSuggestion => {
    used.add(keyOf(c));
    return { model: c.info.name, endpointId: c.info.endpointId, reason };
  };

  // moe: hard problems.
  let moe: TierSuggestion | undefined;
  const moeCandidates = pool.filter((c) => c.traits.moe);
  const bestMoe = pickBest(moeCandidates, (c) => (c.traits.paramsB ?? 0) + (c.traits.coder ? 0 : 0.5));
  if (bestMoe !== undefined) {
    moe = take(bestMoe, `mixture-of-experts model (${describe(bestMoe)}) for hard problems`);
  } else {
    const big = pool.filter((c) => (c.traits.paramsB ?? 0) >= hardTierMinDenseParamsB);
    const bestBig = pickBest(big, (c) => c.traits.paramsB ?? 0);
    if (bestBig !== undefined) {
      moe = take(bestBig, `no mixture-of-experts model installed → largest model (${describe(bestBig)}) for hard problems`);
    }
  }

  // code: code work and inline completion.
  const codeScore = (c: Candidate): number => {
    const t = c.traits;
    const p = t.paramsB ?? 0;
    let s = 0;
    s += t.coder ? 3 : 0;
    s += t.fim === true ? 1 : 0;
    s += p >= 6 && p <= 16 ? 2 : p >= 3 && p < 6 ? 1 : p > 16 && p <= 34 ? 0.5 : 0;
    s += t.moe && t.coder ? 0.5 : 0;
    return s - 0.5 * logDistance(t.paramsB, 12);
  };
  let code: TierSuggestion | undefined;
  const codeFresh = pool.filter((c) => !used.has(keyOf(c)) && (c.traits.paramsB ?? 0) >= 1);
  const bestCode = pickBest(codeFresh.length > 0 ? codeFresh : pool, codeScore);
  if (bestCode !== undefined) {
    const what = bestCode.traits.coder ? 'code model' : 'no code model installed → general model';
    const fim = bestCode.traits.fim === true ? ' with fill-in-the-middle' : bestCode.traits.fim === false ? ' (no fill-in-the-middle)' : '';
    const shared = used.has(keyOf(bestCode)) ? ', shared with the moe tier: no other model installed' : '';
    code = take(bestCode, `${what} (${describe(bestCode)})${fim}${shared}`);
  }

  // small: quick questions, and the fast fallback for inline completion.
  let small: TierSuggestion | undefined;
  const smallOk = pool.filter((c) => c.traits.paramsB !== undefined && c.traits.paramsB <= smallTierMaxParamsB);
  const smallFresh = smallOk.filter((c) => !used.has(keyOf(c)));
  const smallScore = (c: Candidate): number =>
    -logDistance(c.traits.paramsB, 3) + (c.traits.fim === true ? 0.25 : 0) - (c.traits.paramsB !== undefined && c.traits.paramsB < 0.9 ? 0.5 : 0);
  const bestSmall = pickBest(smallFresh.length > 0 ? smallFresh : smallOk, smallScore);
  if (bestSmall !== undefined) {
    const shared = used.has(keyOf(bestSmall)) ? ', shared with the code tier: no smaller model installed' : '';
    small = take(bestSmall, `small, fast model (${describe(bestSmall)}) for quick questions${shared}`);
  }

  return { small, code, moe };
}
