/**
 * What "Configure Tiers" and "Choose Completion Model" show for each installed model (size, family, quantisation, context length,
 * fill-in-the-middle, loaded) and which one the router suggests. Pure: no `vscode` import.
 */
import type { EndpointReport } from '../backend/checkConnection';
import type { ModelInfo } from '../backend/types';
import type { Tier } from '../settings/schema';
import { tiers } from '../settings/schema';
import { sameModel } from '../routing/modelTraits';
import { suggestTierMapping } from '../routing/suggestTiers';
import type { TierMapping } from '../routing/suggestTiers';
import { formatBytes, formatTokens } from '../util/format';
import { fimTemplates, planFim } from '../completion/templates';

/** One installed model as a choice. */
export interface ModelChoice {
  readonly model: string;
  readonly endpointId: string;
  /** "4.4 GB · qwen2 · Q4_K_M · 32k ctx · FIM · loaded". */
  readonly description: string;
  readonly loaded: boolean;
  /** The router's reason when this is its suggestion for the tier. */
  readonly suggestedReason: string | undefined;
  /** The tier's current setting names this model. */
  readonly current: boolean;
}

/** A tier's current setting. */
export interface TierSetting {
  readonly model: string;
  readonly endpoint: string;
}

/** "4.4 GB · 7.6B · qwen2 · Q4_K_M · 32k ctx · FIM · loaded"; `withFim` false leaves the server's FIM flag out. */
export function describeModel(model: ModelInfo, loaded: boolean, withFim = true): string {
  const fim = !withFim ? '' : model.capabilities.insert === true ? 'FIM' : model.capabilities.insert === false ? 'no FIM' : 'FIM unknown';
  return [
    model.sizeBytes > 0 ? formatBytes(model.sizeBytes) : '',
    model.parameterSize,
    model.family,
    model.quantization,
    model.contextLength !== undefined ? `${formatTokens(model.contextLength)} ctx` : '',
    fim,
    loaded ? 'loaded' : '',
  ]
    .filter((p) => p !== '')
    .join(' · ');
}

/** The router's suggested mapping from what the reachable endpoints report. */
export function suggestedMapping(reports: readonly EndpointReport[]): TierMapping {
  const reachable = reports.filter((r) => r.reachable);
  return suggestTierMapping(
    reachable.flatMap((r) => r.models),
    reachable.flatMap((r) => r.loaded.map((l) => ({ endpointId: r.id, name: l.name }))),
  );
}

/**
 * Choices for one tier: the suggestion first, then the current setting, then the rest by name.
 */
export function tierChoices(tier: Tier, reports: readonly EndpointReport[], mapping: TierMapping, current: TierSetting): ModelChoice[] {
  const suggestion = mapping[tier];
  const choices: ModelChoice[] = [];
  for (const report of reports.filter((r) => r.reachable)) {
    for (const model of report.models) {
      if (model.capabilities.embedding && !model.capabilities.completion) {
        continue; // embedding models cannot serve a tier
      }
      const loaded = report.loaded.some((l) => sameModel(l.name, model.name));
      const isSuggested = suggestion !== undefined && suggestion.endpointId === report.id && suggestion.model === model.name;
      const isCurrent = current.model !== '' && sameModel(current.model, model.name) && (current.endpoint === '' || current.endpoint === report.id);
      choices.push({
        model: model.name,
        endpointId: report.id,
        description: describeModel(model, loaded),
        loaded,
        suggestedReason: isSuggested ? suggestion.reason : undefined,
        current: isCurrent,
      });
    }
  }
  const rank = (c: ModelChoice): number => (c.suggestedReason !== undefined ? 0 : c.current ? 1 : 2);
  return choices.sort((a, b) => rank(a) - rank(b) || a.model.localeCompare(b.model) || a.endpointId.localeCompare(b.endpointId));
}

/** Settings to write for a mapping: `tiers.<tier>.model` and `.endpoint` (the endpoint only when several exist). */
export function settingsForMapping(mapping: Partial<Record<Tier, { model: string; endpointId: string }>>, endpointCount: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tier of tiers) {
    const choice = mapping[tier];
    if (choice === undefined) {
      continue;
    }
    out[`tiers.${tier}.model`] = choice.model;
    out[`tiers.${tier}.endpoint`] = endpointCount > 1 ? choice.endpointId : '';
  }
  return out;
}

/** A model that can serve inline completions, and how. */
export interface CompletionModelChoice extends ModelChoice {
  /** `native`: the server's own FIM (`suffix`); `raw`: a prompt with the family's sentinels. */
  readonly fim: 'native' | 'raw';
  /** The FIM family when Tiered knows it (its stops and special tokens), e.g. "Qwen2.5-Coder". */
  readonly familyLabel: string | undefined;
}

/**
 * Choices for "Choose Completion Model…": the models that can fill in the middle (natively or with their family's
 * sentinels), smallest first since completions want speed, the current setting marked; and the names of the models
 * left out because they cannot (chat-only), so the picker can say why they are missing.
 */
export function completionModelChoices(reports: readonly EndpointReport[], current: string): { choices: CompletionModelChoice[]; chatOnly: string[] } {
  // With the model's size, for the order (smaller completes faster).
  const sized: { readonly choice: CompletionModelChoice; readonly size: number }[] = [];
  const chatOnly: string[] = [];
  for (const report of reports.filter((r) => r.reachable)) {
    for (const model of report.models) {
      if (!model.capabilities.completion) {
        continue; // embedding models: not worth a mention
      }
      const plan = planFim(model, report.kind);
      if (plan.kind === 'unsupported') {
        chatOnly.push(model.name);
        continue;
      }
      const loaded = report.loaded.some((l) => sameModel(l.name, model.name));
      const label = plan.family !== undefined ? fimTemplates[plan.family].label : undefined;
      const choice: CompletionModelChoice = {
        model: model.name,
        endpointId: report.id,
        // How it completes is said apart (native or raw); the server's own FIM flag would only confuse here.
        description: describeModel(model, loaded, false),
        loaded,
        suggestedReason: undefined,
        current: current !== '' && sameModel(current, model.name),
        fim: plan.kind,
        familyLabel: label,
      };
      sized.push({ choice, size: model.parameterBillions ?? Number.POSITIVE_INFINITY });
    }
  }
  sized.sort((a, b) => Number(b.choice.current) - Number(a.choice.current) || a.size - b.size || a.choice.model.localeCompare(b.choice.model));
  return { choices: sized.map((s) => s.choice), chatOnly: [...new Set(chatOnly)] };
}
