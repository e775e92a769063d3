/**
 * Which model to pull for each tier on this machine. The table is the one place to update when better
 * models appear: order each tier's list from the most to the least capable. Pure: no `vscode` import.
 */
import type { ModelInfo } from '../backend/types';
import type { Tier } from '../settings/schema';
import { sameModel } from '../routing/modelTraits';

/** One row of the recommendation table. */
export interface RecommendationEntry {
  /** The exact Ollama tag to pull. */
  readonly model: string;
  /** The quantisation the tag ships with. */
  readonly quantization: string;
  /** Total parameters in billions. */
  readonly paramsB: number;
  /** Active parameters per token for mixture-of-experts models. */
  readonly activeParamsB?: number;
  /** Download size in GB (decimal). */
  readonly downloadGb: number;
  /** Memory the model needs loaded with a working context (weights + KV cache + overhead), in GB. */
  readonly memoryGb: number;
  /** Native fill-in-the-middle, needed for inline completions. */
  readonly fim: boolean;
  /** One line on why this model. */
  readonly note: string;
}

/**
 * The table. Per tier, most capable first; the first row that fits the machine is recommended.
 * Memory figures are Q4_K_M weights plus a 4–8k context and runtime overhead, rounded up.
 */
export const recommendationTable: Readonly<Record<Tier, readonly RecommendationEntry[]>> = {
  small: [
    { model: 'qwen2.5-coder:3b', quantization: 'Q4_K_M', paramsB: 3.1, downloadGb: 1.9, memoryGb: 3, fim: true, note: 'fast answers and quick completions' },
    { model: 'qwen2.5-coder:1.5b', quantization: 'Q4_K_M', paramsB: 1.5, downloadGb: 1.0, memoryGb: 2, fim: true, note: 'fast on any CPU' },
    { model: 'qwen2.5-coder:0.5b', quantization: 'Q8_0', paramsB: 0.5, downloadGb: 0.53, memoryGb: 1, fim: true, note: 'for machines with very little memory' },
  ],
  code: [
    { model: 'qwen2.5-coder:14b', quantization: 'Q4_K_M', paramsB: 14.8, downloadGb: 9.0, memoryGb: 12, fim: true, note: 'strong code model with fill-in-the-middle' },
    { model: 'qwen2.5-coder:7b', quantization: 'Q4_K_M', paramsB: 7.6, downloadGb: 4.7, memoryGb: 6.5, fim: true, note: 'code model with fill-in-the-middle' },
    { model: 'qwen2.5-coder:3b', quantization: 'Q4_K_M', paramsB: 3.1, downloadGb: 1.9, memoryGb: 3, fim: true, note: 'smallest useful code model' },
  ],
  moe: [
    { model: 'qwen3:30b-a3b', quantization: 'Q4_K_M', paramsB: 30.5, activeParamsB: 3.3, downloadGb: 19, memoryGb: 22, fim: false, note: 'mixture of experts: large-model answers at small-model speed' },
    { model: 'deepseek-coder-v2:16b', quantization: 'Q4_0', paramsB: 15.7, activeParamsB: 2.4, downloadGb: 8.9, memoryGb: 11, fim: true, note: 'mixture-of-experts code model (the "lite" variant)' },
    { model: 'granite3.1-moe:3b', quantization: 'Q4_K_M', paramsB: 3.3, activeParamsB: 0.8, downloadGb: 2.0, memoryGb: 3, fim: false, note: 'small mixture of experts for low-memory machines' },
  ],
};

const gb = 1e9;

/** What the machine offers to models. */
export interface MachineMemory {
  readonly totalMemBytes: number;
  /** Dedicated GPU memory when it could be read; undefined when unknown (or no GPU). */
  readonly gpuMemBytes: number | undefined;
}

/** How a row fits this machine. */
export type Fit = 'gpu' | 'ram' | 'wontFit';

/** A row with this machine's verdict. */
export interface RatedRecommendation extends RecommendationEntry {
  readonly tier: Tier;
  readonly installed: boolean;
  readonly fit: Fit;
  /** e.g. "needs ~22 GB, this machine has 16 GB for models". */
  readonly fitText: string;
}

/** The recommendation for one tier and every alternative, rated. */
export interface TierRecommendation {
  readonly tier: Tier;
  /** The most capable row that fits; the least demanding one (marked won't fit) when none does. */
  readonly pick: RatedRecommendation;
  readonly options: readonly RatedRecommendation[];
}

/**
 * Memory usable for models: the system needs room for the OS, the editor and the language servers,
 * so about a quarter of RAM (at least 2 GB) stays free.
 */
export function usableRamBytes(totalMemBytes: number): number {
  return Math.max(0, totalMemBytes - Math.max(2 * gb, totalMemBytes * 0.25));
}

/** Rate one row against the machine. */
export function rateFit(entry: RecommendationEntry, memory: MachineMemory): { fit: Fit; fitText: string } {
  const need = entry.memoryGb * gb;
  const ram = usableRamBytes(memory.totalMemBytes);
  const needText = `needs ~${formatGb(need)}`;
  if (memory.gpuMemBytes !== undefined && memory.gpuMemBytes >= need) {
    return { fit: 'gpu', fitText: `${needText}, fits the GPU (${formatGb(memory.gpuMemBytes)})` };
  }
  if (ram >= need) {
    return { fit: 'ram', fitText: `${needText}, fits in memory (${formatGb(ram)} usable)` };
  }
  const gpu = memory.gpuMemBytes !== undefined ? ` and ${formatGb(memory.gpuMemBytes)} GPU` : '';
  return { fit: 'wontFit', fitText: `won't fit: ${needText}, this machine has ${formatGb(ram)} usable memory${gpu}` };
}

/**
 * Recommend a model per tier for this machine, marking what is installed and what will not fit.
 * The most capable row that fits is recommended; for the small and code tiers, which must answer quickly,
 * a row that fits the GPU wins over a bigger one that would run from system memory. A mixture-of-experts model
 * runs well from system memory (few active parameters), so the moe tier takes the most capable row that fits.
 */
export function recommend(
  totalMemBytes: number,
  gpuMemBytes: number | undefined,
  installed: readonly Pick<ModelInfo, 'name'>[],
  table: Readonly<Record<Tier, readonly RecommendationEntry[]>> = recommendationTable,
): Record<Tier, TierRecommendation> {
  const memory: MachineMemory = { totalMemBytes, gpuMemBytes };
  const rateTier = (tier: Tier): TierRecommendation => {
    const options = table[tier].map((entry): RatedRecommendation => ({
      ...entry,
      tier,
      installed: installed.some((m) => sameModel(m.name, entry.model)),
      ...rateFit(entry, memory),
    }));
    const fitting = options.filter((o) => o.fit !== 'wontFit');
    const gpuFirst = tier !== 'moe' ? fitting.find((o) => o.fit === 'gpu') : undefined;
    const pick = gpuFirst ?? fitting[0] ?? options[options.length - 1];
    if (pick === undefined) {
      throw new Error(`the recommendation table has no row for the ${tier} tier`);
    }
    return { tier, pick, options };
  };
  return { small: rateTier('small'), code: rateTier('code'), moe: rateTier('moe') };
}

/** 22e9 → "22 GB", 1.5e9 → "1.5 GB" (decimal, as model sizes are quoted). */
export function formatGb(bytes: number): string {
  const v = bytes / gb;
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} GB`;
}
