/**
 * The built-in engine's model catalogue: which GGUF file to download per tier and memory band. One data table;
 * the choice is a pure function of the machine's memory. Files are fetched from `<downloadBaseUrl>/<repo>/resolve/
 * <revision>/<file>` (Hugging Face's layout, so a mirror with the same layout works through the setting
 * `tiered.engine.downloadBaseUrl`). Pure: no `vscode`.
 *
 * `sha256`: the hash Hugging Face publishes for the file (its LFS object id). `undefined` means not pinned yet: the
 * hashes could not be read from this build machine (no network beyond npm), so an unpinned entry gets its hash from
 * the Hub's file listing at download time (publishedHash.ts) and is not downloaded without one; the downloader never
 * accepts a file without a hash.
 */

/** The tiers of the router (see src/routing). */
export type EngineTier = 'small' | 'code' | 'moe';

/** Memory bands, by the machine's total memory. */
export type MemoryBand = 'under8' | '8to16' | '16to32' | '32plus';

export interface CatalogueModel {
  /** The name the router and the settings use. */
  readonly name: string;
  readonly repo: string;
  readonly revision: string;
  readonly file: string;
  /** Approximate size, for the recommendation and the free-space check before the server says the exact size. */
  readonly approxBytes: number;
  readonly parameterBillions: number;
  readonly sha256: string | undefined;
  readonly fim: boolean;
}

const GB = 1e9;

function hf(name: string, repo: string, file: string, approxGb: number, parameterBillions: number, fim: boolean): CatalogueModel {
  return { name, repo, revision: 'main', file, approxBytes: Math.round(approxGb * GB), parameterBillions, sha256: undefined, fim };
}

const coder05 = hf('qwen2.5-coder-0.5b-instruct-q8_0', 'bartowski/Qwen2.5-Coder-0.5B-Instruct-GGUF', 'Qwen2.5-Coder-0.5B-Instruct-Q8_0.gguf', 0.53, 0.5, true);
const coder15 = hf('qwen2.5-coder-1.5b-instruct-q4_k_m', 'bartowski/Qwen2.5-Coder-1.5B-Instruct-GGUF', 'Qwen2.5-Coder-1.5B-Instruct-Q4_K_M.gguf', 0.99, 1.5, true);
const coder3 = hf('qwen2.5-coder-3b-instruct-q4_k_m', 'bartowski/Qwen2.5-Coder-3B-Instruct-GGUF', 'Qwen2.5-Coder-3B-Instruct-Q4_K_M.gguf', 1.93, 3, true);
const coder7 = hf('qwen2.5-coder-7b-instruct-q4_k_m', 'bartowski/Qwen2.5-Coder-7B-Instruct-GGUF', 'Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf', 4.68, 7.6, true);
const coder14 = hf('qwen2.5-coder-14b-instruct-q4_k_m', 'bartowski/Qwen2.5-Coder-14B-Instruct-GGUF', 'Qwen2.5-Coder-14B-Instruct-Q4_K_M.gguf', 8.99, 14.8, true);
const moe30 = hf('qwen3-coder-30b-a3b-instruct-q4_k_m', 'unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF', 'Qwen3-Coder-30B-A3B-Instruct-Q4_K_M.gguf', 18.6, 30.5, true);

/** Per memory band, the model of each tier (`undefined`: this machine cannot hold one for that tier). */
export const CATALOGUE: Readonly<Record<MemoryBand, Readonly<Record<EngineTier, CatalogueModel | undefined>>>> = {
  under8: { small: coder05, code: coder3, moe: undefined },
  '8to16': { small: coder15, code: coder7, moe: undefined },
  '16to32': { small: coder15, code: coder14, moe: undefined },
  '32plus': { small: coder15, code: coder14, moe: moe30 },
};

/** The band of a machine with this much memory. */
export function memoryBand(totalMemoryBytes: number): MemoryBand {
  const gib = totalMemoryBytes / 2 ** 30;
  return gib < 7.5 ? 'under8' : gib < 15 ? '8to16' : gib < 31 ? '16to32' : '32plus';
}

export interface TierChoice {
  readonly tier: EngineTier;
  readonly model: CatalogueModel | undefined;
  /** Why this model, or why none: shown to the user with the recommendation. */
  readonly reason: string;
}

/**
 * The recommended model per tier for a machine. Each recommended model must also leave room for the others it
 * runs beside: a tier whose model would take more than half the memory gets none (one large model at a time).
 */
export function chooseModels(totalMemoryBytes: number): TierChoice[] {
  const band = memoryBand(totalMemoryBytes);
  const gib = (totalMemoryBytes / 2 ** 30).toFixed(0);
  return (['small', 'code', 'moe'] as const).map((tier): TierChoice => {
    const model = CATALOGUE[band][tier];
    if (model === undefined) {
      return { tier, model, reason: `No ${tier} model is recommended with ${gib} GiB of memory: the smallest fitting one needs more.` };
    }
    if (model.approxBytes > totalMemoryBytes / 2) {
      return { tier, model: undefined, reason: `${model.name} (${(model.approxBytes / GB).toFixed(1)} GB) would take more than half of this machine's ${gib} GiB.` };
    }
    return { tier, model, reason: `${model.name}: ${(model.approxBytes / GB).toFixed(1)} GB, fits ${gib} GiB of memory (${band} band).` };
  });
}

/** Where a catalogue model is downloaded from, under the configured base URL (no trailing slash needed). */
export function downloadUrl(baseUrl: string, model: Pick<CatalogueModel, 'repo' | 'revision' | 'file'>): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/${model.repo}/resolve/${encodeURIComponent(model.revision)}/${encodeURIComponent(model.file)}`;
}
