/**
 * The user's own catalogue (setting `tiered.engine.catalogue`): per tier, the model to recommend instead of the
 * built-in one. A company mirror publishes its own models this way, and the tests point it at a generated model.
 * Every entry must carry its sha256, so an override never weakens the check before a file is used. Pure: no `vscode`.
 */
import { z } from 'zod';
import { chooseModels } from './catalogue';
import type { CatalogueModel, EngineTier, TierChoice } from './catalogue';

const entrySchema = z.object({
  name: z.string().trim().regex(/^[\w.-]+$/, 'letters, digits, ".", "_" or "-" only'),
  repo: z.string().trim().min(1),
  revision: z.string().trim().min(1).default('main'),
  file: z.string().trim().regex(/^[^/\\]+\.gguf$/i, 'a .gguf file name'),
  sha256: z.string().trim().regex(/^[0-9a-fA-F]{64}$/, '64 hex digits'),
  approxBytes: z.number().int().positive(),
  parameterBillions: z.number().positive().default(1),
  fim: z.boolean().default(true),
});

const overrideSchema = z.object({ small: entrySchema.optional(), code: entrySchema.optional(), moe: entrySchema.optional() }).strict();

export type CatalogueOverride = Partial<Record<EngineTier, CatalogueModel>>;

/** Reads the setting's value: `{}` for none; problems are returned for the log, never thrown. */
export function parseCatalogueOverride(value: unknown): { override: CatalogueOverride; problem: string | undefined } {
  if (value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0)) {
    return { override: {}, problem: undefined };
  }
  const r = overrideSchema.safeParse(value);
  if (!r.success) {
    return { override: {}, problem: `tiered.engine.catalogue is ignored: ${z.prettifyError(r.error)}` };
  }
  const override: CatalogueOverride = {};
  for (const tier of ['small', 'code', 'moe'] as const) {
    const e = r.data[tier];
    if (e !== undefined) {
      override[tier] = { ...e, sha256: e.sha256.toLowerCase() };
    }
  }
  return { override, problem: undefined };
}

/** The recommendation for this machine: the override's tiers when it names any, else the built-in catalogue's. */
export function recommendModels(totalMemoryBytes: number, override: CatalogueOverride): TierChoice[] {
  if (Object.keys(override).length === 0) {
    return chooseModels(totalMemoryBytes);
  }
  return (['small', 'code', 'moe'] as const).map((tier): TierChoice => {
    const model = override[tier];
    return model === undefined ? { tier, model, reason: `tiered.engine.catalogue names no ${tier} model.` } : { tier, model, reason: `${model.name}: from tiered.engine.catalogue.` };
  });
}

/** The distinct models of a recommendation (one file may serve several tiers). */
export function modelsToDownload(choices: readonly TierChoice[]): CatalogueModel[] {
  const out = new Map<string, CatalogueModel>();
  for (const c of choices) {
    if (c.model !== undefined && !out.has(c.model.name)) {
      out.set(c.model.name, c.model);
    }
  }
  return [...out.values()];
}
