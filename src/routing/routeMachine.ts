/**
 * The router's view of the machine for one call: the installed models that generate text, which are loaded, and
 * which model serves each tier (its setting, else the suggested mapping). Pure: no `vscode` import.
 */
import type { ModelInfo } from '../backend/types';
import type { Tier } from '../settings/schema';
import { tiers as tierOrder } from '../settings/schema';
import type { ModelTraits } from './modelTraits';
import { modelTraits, sameModel } from './modelTraits';
import type { TierMapping } from './suggestTiers';
import { smallTierMaxParamsB, suggestTierMapping } from './suggestTiers';
import type { RouterEnvironment } from './types';

/** An installed model with its traits. */
export interface Candidate {
  readonly info: ModelInfo;
  readonly traits: ModelTraits;
}

/** A model and the tier it serves. */
export interface Placed {
  readonly candidate: Candidate;
  readonly tier: Tier;
}

/** Everything derived from the environment once per call. */
export class Machine {
  readonly usable: readonly Candidate[];
  private mapping: TierMapping | undefined;
  private readonly resolved = new Map<Tier, Resolution>();

  constructor(readonly env: RouterEnvironment) {
    this.usable = env.installed.map((info) => ({ info, traits: modelTraits(info) })).filter((c) => c.traits.generates);
  }

  isLoaded(c: Candidate): boolean {
    return this.env.loaded.some((l) => l.endpointId === c.info.endpointId && sameModel(l.name, c.info.name));
  }

  /** Installed copies of a model, loaded ones first, then in listing order (deterministic). */
  find(name: string, endpoint = ''): Candidate | undefined {
    const matches = this.usable.filter((c) => sameModel(c.info.name, name) && (endpoint === '' || c.info.endpointId === endpoint));
    if (!this.env.preferLoaded) {
      return matches[0];
    }
    return matches.find((c) => this.isLoaded(c)) ?? matches[0];
  }

  suggested(): TierMapping {
    this.mapping ??= suggestTierMapping(this.env.installed, this.env.loaded);
    return this.mapping;
  }

  /** The model that serves a tier: its setting if installed, else the suggested mapping when the setting is empty. */
  resolve(tier: Tier): Resolution {
    const cached = this.resolved.get(tier);
    if (cached !== undefined) {
      return cached;
    }
    const result = this.resolveUncached(tier);
    this.resolved.set(tier, result);
    return result;
  }

  private resolveUncached(tier: Tier): Resolution {
    const setting = this.env.tiers[tier];
    if (setting.model !== '') {
      const onEndpoint = this.find(setting.model, setting.endpoint);
      if (onEndpoint !== undefined) {
        return { ok: true, candidate: onEndpoint, note: undefined };
      }
      const elsewhere = setting.endpoint !== '' ? this.find(setting.model) : undefined;
      if (elsewhere !== undefined) {
        return {
          ok: true,
          candidate: elsewhere,
          note: `tier ${tier}'s model ${setting.model} is not on endpoint ${setting.endpoint} → using the copy on ${elsewhere.info.endpointId}`,
        };
      }
      const where = setting.endpoint !== '' ? ` on endpoint ${setting.endpoint}` : '';
      return { ok: false, why: `tier ${tier}'s model ${setting.model} is not installed${where}` };
    }
    const suggestion = this.suggested()[tier];
    if (suggestion !== undefined) {
      const c = this.find(suggestion.model, suggestion.endpointId);
      if (c !== undefined) {
        return { ok: true, candidate: c, note: `tier ${tier} has no model set → suggested ${c.info.name}: ${suggestion.reason}` };
      }
    }
    return { ok: false, why: `tier ${tier} has no model set and no installed model suits it` };
  }

  /** The tier a model belongs to: the tier whose setting or suggestion names it, else by size. */
  tierOf(c: Candidate): Tier {
    for (const t of tierOrder) {
      const r = this.resolve(t);
      if (r.ok && sameModel(r.candidate.info.name, c.info.name)) {
        return t;
      }
    }
    if (c.traits.moe || (c.traits.paramsB ?? 0) >= 20) {
      return 'moe';
    }
    return c.traits.paramsB !== undefined && c.traits.paramsB <= smallTierMaxParamsB ? 'small' : 'code';
  }
}

export type Resolution =
  | { readonly ok: true; readonly candidate: Candidate; readonly note: string | undefined }
  | { readonly ok: false; readonly why: string };

export const tierIndex = (t: Tier): number => tierOrder.indexOf(t);
export const tierAt = (i: number): Tier => tierOrder[Math.max(0, Math.min(tierOrder.length - 1, i))] ?? 'code';
export const topTier: Tier = tierAt(tierOrder.length - 1);

/**
 * The model that serves a tier on this machine (its setting, else the suggested mapping) and whether it is loaded,
 * or undefined when no installed model serves it. Used to find the small model to ask about borderline requests.
 */
export function tierModel(env: RouterEnvironment, tier: Tier): { readonly model: ModelInfo; readonly loaded: boolean } | undefined {
  const machine = new Machine(env);
  const r = machine.resolve(tier);
  return r.ok ? { model: r.candidate.info, loaded: machine.isLoaded(r.candidate) } : undefined;
}
