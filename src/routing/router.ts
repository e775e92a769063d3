/**
 * The tier router: picks a tier, a model and an endpoint for each request, and says why.
 * Deterministic and fast (no model call, no I/O). Precedence: the user's override > a pin for the task >
 * a saved prompt's hint > the heuristic classifier. Then escalation, machine awareness (installed models,
 * fallback between tiers, FIM for inline completion, measured speed) and a preference for loaded models.
 * Pure: no `vscode` import.
 */
import type { ModelInfo } from '../backend/types';
import type { TaskKind, Tier } from '../settings/schema';
import { tiers as tierOrder } from '../settings/schema';
import type { Classification } from './classify';
import { classify, isBorderline } from './classify';
import type { ModelTraits } from './modelTraits';
import { modelTraits, sameModel } from './modelTraits';
import type { QuickWork } from './speedStats';
import { formatMs } from '../util/format';
import { speedBudgets, speedKey, tooSlowFor } from './speedStats';
import type { TierMapping } from './suggestTiers';
import { smallTierMaxParamsB, suggestTierMapping } from './suggestTiers';
import type { NoModelDecision, RouteDecision, RouteInput, RouterEnvironment, RoutedDecision } from './types';

export type { ClassifierVerdict, NoModelDecision, RouteCode, RouteDecision, RoutedDecision, RouteInput, RouterEnvironment, SpeedSample } from './types';
export { isRouted } from './types';

/** A model worth pulling for each tier, for "no usable model" suggestions. */
export const recommendedModels: Readonly<Record<Tier, string>> = {
  small: 'qwen2.5-coder:1.5b',
  code: 'qwen2.5-coder:7b',
  moe: 'qwen3:30b-a3b',
};

/** Setting names, for reasons that tell the user where a choice came from. */
const pinsSetting = 'tiered.routing.pins';

type Source = 'override' | 'pin' | 'hint' | 'classifier';

interface Candidate {
  readonly info: ModelInfo;
  readonly traits: ModelTraits;
}

/** What the request asks for before the machine is consulted. */
interface Want {
  tier: Tier;
  /** An explicit model (override, pin or saved prompt), when one was chosen and is installed. */
  model: Candidate | undefined;
  source: Source;
  confidence: number;
}

/** Everything derived from the environment once per call. */
class Machine {
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

type Resolution =
  | { readonly ok: true; readonly candidate: Candidate; readonly note: string | undefined }
  | { readonly ok: false; readonly why: string };

const tierIndex = (t: Tier): number => tierOrder.indexOf(t);
const tierAt = (i: number): Tier => tierOrder[Math.max(0, Math.min(tierOrder.length - 1, i))] ?? 'code';
const topTier: Tier = tierAt(tierOrder.length - 1);

/**
 * Route a request. Always returns at least one reason. Returns `{ kind: 'noModel' }` when no installed model can
 * serve it (nothing installed, or only embedding models), with a suggestion for the user.
 */
export function route(input: RouteInput, env: RouterEnvironment): RouteDecision {
  const machine = new Machine(env);
  const reasons: string[] = [];
  let classification: Classification | undefined;
  const classifyOnce = (): Classification => {
    classification ??= classify(input);
    return classification;
  };

  const want = decideWant(input, env, machine, reasons, classifyOnce);
  applyEscalation(input, want, reasons);

  if (machine.usable.length === 0) {
    return noModel(want, env, reasons);
  }

  // Resolve the wanted tier (or explicit model) to an installed model, falling back between tiers.
  let fallback = false;
  let chosen: Candidate;
  let servedTier: Tier;
  if (want.model !== undefined) {
    chosen = want.model;
    servedTier = want.tier;
  } else {
    const resolution = resolveWithFallback(want, input, machine, reasons, classification);
    if (resolution === undefined) {
      return noModel(want, env, reasons);
    }
    chosen = resolution.candidate;
    servedTier = resolution.tier;
    fallback = resolution.fallback;
  }

  // Prefer a loaded model when the classifier could have gone either way.
  if (want.source === 'classifier' && want.model === undefined && !fallback && env.preferLoaded && classification !== undefined) {
    const switched = preferLoadedNeighbour(classification, servedTier, chosen, machine, reasons);
    if (switched !== undefined) {
      chosen = switched.candidate;
      servedTier = switched.tier;
    }
  }

  // Inline completion needs fill-in-the-middle.
  if (input.task === 'inlineCompletion') {
    const fim = ensureFim(chosen, machine, reasons, want.source === 'override' && want.model !== undefined);
    if (fim !== undefined) {
      chosen = fim.candidate;
      servedTier = fim.tier;
      fallback = true;
    }
  }

  // Quick work has a speed budget.
  const work: QuickWork | undefined = input.task === 'inlineCompletion' ? 'inlineCompletion' : servedTier === 'small' ? 'quickQuestion' : undefined;
  if (work !== undefined) {
    const faster = preferFaster(work, chosen, servedTier, want.source, machine, reasons);
    if (faster !== undefined) {
      chosen = faster.candidate;
      servedTier = faster.tier;
      fallback = true;
    }
  }

  const confidence = Math.round(Math.min(1, Math.max(0, fallback ? want.confidence * 0.8 : want.confidence)) * 100) / 100;
  if (reasons.length === 0) {
    reasons.push(`${servedTier} tier → ${chosen.info.name}`);
  }
  const decision: RoutedDecision = {
    kind: 'routed',
    tier: servedTier,
    model: chosen.info.name,
    endpointId: chosen.info.endpointId,
    confidence,
    reasons,
    fallback,
  };
  return decision;
}

/** Apply precedence: override > pin > saved-prompt hint > classifier. */
function decideWant(input: RouteInput, env: RouterEnvironment, machine: Machine, reasons: string[], classifyOnce: () => Classification): Want {
  const task: TaskKind = input.task;
  const override = input.override;

  // 1. The user's explicit choice.
  if (override?.model !== undefined && override.model.trim() !== '') {
    const endpoint = override.tier !== undefined ? env.tiers[override.tier].endpoint : '';
    const c = machine.find(override.model, endpoint) ?? machine.find(override.model);
    if (c !== undefined) {
      const what = task === 'inlineCompletion' ? 'completion model setting' : 'your choice';
      reasons.push(`${what}: ${c.info.name}`);
      return { tier: override.tier ?? machine.tierOf(c), model: c, source: 'override', confidence: 1 };
    }
    reasons.push(`the chosen model ${override.model} is not installed → ignored`);
  }
  if (override?.tier !== undefined) {
    reasons.push(`your choice: ${override.tier} tier`);
    return { tier: override.tier, model: undefined, source: 'override', confidence: 1 };
  }

  // 2. A pin for this kind of task: a tier name or a model name.
  const pin = env.pins[task]?.trim() ?? '';
  if (pin !== '') {
    const pinnedTier = tierOrder.find((t) => t === pin);
    if (pinnedTier !== undefined) {
      reasons.push(`pinned: ${task} → ${pinnedTier} (setting ${pinsSetting})`);
      return { tier: pinnedTier, model: undefined, source: 'pin', confidence: 0.95 };
    }
    const c = machine.find(pin);
    if (c !== undefined) {
      reasons.push(`pinned: ${task} → ${c.info.name} (setting ${pinsSetting})`);
      return { tier: machine.tierOf(c), model: c, source: 'pin', confidence: 0.95 };
    }
    reasons.push(`pinned model ${pin} for ${task} is not installed → pin ignored (setting ${pinsSetting})`);
  }

  // 3. A saved prompt's model or tier.
  const hintTier = input.tierHint !== undefined && input.tierHint !== 'auto' ? input.tierHint : undefined;
  if (input.modelHint !== undefined && input.modelHint.trim() !== '') {
    const c = machine.find(input.modelHint);
    if (c !== undefined) {
      reasons.push(`saved prompt's model: ${c.info.name}`);
      return { tier: hintTier ?? machine.tierOf(c), model: c, source: 'hint', confidence: 0.9 };
    }
    reasons.push(`saved prompt's model ${input.modelHint} is not installed → ignored`);
  }
  if (hintTier !== undefined) {
    reasons.push(`saved prompt asks for the ${hintTier} tier`);
    return { tier: hintTier, model: undefined, source: 'hint', confidence: 0.9 };
  }

  // 4. The classifier.
  const c = classifyOnce();
  reasons.push(...c.reasons);
  const verdict = input.classifierVerdict;
  if (verdict !== undefined && isBorderline(c) && verdict.tier !== c.tier) {
    reasons.push(`heuristic unsure (confidence ${c.confidence.toFixed(2)}) → ${verdict.source} says ${verdict.tier}`);
    return { tier: verdict.tier, model: undefined, source: 'classifier', confidence: Math.max(c.confidence, 0.6) };
  }
  return { tier: c.tier, model: undefined, source: 'classifier', confidence: c.confidence };
}

/** "Retry with a bigger tier" and repeated failures move the request up. */
function applyEscalation(input: RouteInput, want: Want, reasons: string[]): void {
  const attempts = Math.max(0, Math.floor(input.attempts ?? 0));
  const steps = Math.max(0, Math.floor(input.escalate ?? 0));
  if (attempts >= 2) {
    if (want.source === 'classifier' || want.source === 'hint') {
      const from = want.tier;
      const to = tierAt(tierIndex(from) + 1);
      const past = want.model !== undefined && to !== from ? ` (past ${want.model.info.name})` : '';
      reasons.push(
        to === from
          ? `${attempts} earlier attempts failed in this conversation; already at the largest tier (${from})`
          : `${attempts} earlier attempts failed in this conversation → raised from ${from} to ${to}${past}`,
      );
      if (to !== from) {
        want.model = undefined;
      }
      want.tier = to;
    } else {
      reasons.push(`${attempts} earlier attempts failed, but the ${want.source === 'pin' ? 'pin' : 'explicit choice'} is kept`);
    }
  }
  if (steps > 0) {
    const from = want.tier;
    const to = tierAt(tierIndex(from) + steps);
    if (to === from) {
      reasons.push(`retry with a bigger tier: already at the largest tier (${from})`);
      return;
    }
    const past = want.model !== undefined ? ` past ${want.model.info.name}` : '';
    reasons.push(`retry with a bigger tier${past}: ${from} → ${to}${tierIndex(from) + steps > tierIndex(topTier) ? ' (the largest tier)' : ''}`);
    // An explicit model is set aside: the user asked for something bigger than it.
    want.model = undefined;
    want.tier = to;
  }
}

/** Resolve the wanted tier, falling back to the nearest tier with an installed model. */
function resolveWithFallback(
  want: Want,
  input: RouteInput,
  machine: Machine,
  reasons: string[],
  classification: Classification | undefined,
): { candidate: Candidate; tier: Tier; fallback: boolean } | undefined {
  const first = machine.resolve(want.tier);
  if (first.ok) {
    const loaded = machine.isLoaded(first.candidate) ? '; already loaded' : '';
    reasons.push(
      first.note !== undefined
        ? `${first.note}${loaded}`
        : `${want.tier} tier → ${first.candidate.info.name} (setting tiered.tiers.${want.tier}.model${loaded})`,
    );
    return { candidate: first.candidate, tier: want.tier, fallback: false };
  }
  // Hard work falls back up first, quick work down first.
  const hard = want.tier === 'moe' || input.task === 'review' || classification?.runnerUp === 'moe' || (input.escalate ?? 0) > 0;
  const i = tierIndex(want.tier);
  const order: Tier[] = [];
  for (let d = 1; d < tierOrder.length; d++) {
    const up = i + d < tierOrder.length ? tierAt(i + d) : undefined;
    const down = i - d >= 0 ? tierAt(i - d) : undefined;
    const pair = hard ? [up, down] : [down, up];
    for (const t of pair) {
      if (t !== undefined) {
        order.push(t);
      }
    }
  }
  const options = order.map((t) => ({ tier: t, r: machine.resolve(t) }));
  const available = options.filter((o): o is { tier: Tier; r: Extract<Resolution, { ok: true }> } => o.r.ok);
  let pick = available[0];
  // Two tiers at the same distance: take the one already loaded.
  const second = available[1];
  if (
    pick !== undefined &&
    second !== undefined &&
    machine.env.preferLoaded &&
    Math.abs(tierIndex(pick.tier) - i) === Math.abs(tierIndex(second.tier) - i) &&
    !machine.isLoaded(pick.r.candidate) &&
    machine.isLoaded(second.r.candidate)
  ) {
    reasons.push(`${second.r.candidate.info.name} is already loaded → preferred over ${pick.r.candidate.info.name}`);
    pick = second;
  }
  if (pick === undefined) {
    // Every tier's setting names a missing model: use what the installed models suggest.
    const mapping = machine.suggested();
    for (const t of [want.tier, ...order]) {
      const sug = mapping[t];
      const c = sug !== undefined ? machine.find(sug.model, sug.endpointId) : undefined;
      if (sug !== undefined && c !== undefined) {
        reasons.push(`${first.why}, nor is any other tier's model → using the installed ${c.info.name} (${sug.reason})`);
        return { candidate: c, tier: t, fallback: true };
      }
    }
    reasons.push(first.why);
    return undefined;
  }
  const note = pick.r.note !== undefined ? ` (${pick.r.note})` : '';
  reasons.push(`${first.why} → fell back to ${pick.tier} (${pick.r.candidate.info.name})${note}`);
  return { candidate: pick.r.candidate, tier: pick.tier, fallback: true };
}

/** When the classifier was unsure between two tiers and only the other tier's model is loaded, take it. */
function preferLoadedNeighbour(
  c: Classification,
  tier: Tier,
  chosen: Candidate,
  machine: Machine,
  reasons: string[],
): { candidate: Candidate; tier: Tier } | undefined {
  if (!isBorderline(c) || machine.isLoaded(chosen) || c.tier !== tier) {
    return undefined;
  }
  const other = machine.resolve(c.runnerUp);
  if (!other.ok || !machine.isLoaded(other.candidate) || sameModel(other.candidate.info.name, chosen.info.name)) {
    return undefined;
  }
  reasons.push(
    `${other.candidate.info.name} is already loaded → preferred (${tier} and ${c.runnerUp} were close: confidence ${c.confidence.toFixed(2)})`,
  );
  return { candidate: other.candidate, tier: c.runnerUp };
}

/**
 * Inline completion never uses a model without FIM when one with FIM is installed, unless the user named it and
 * its family's FIM sentinels are known (the completion pipeline then writes the raw prompt itself).
 */
function ensureFim(chosen: Candidate, machine: Machine, reasons: string[], named: boolean): { candidate: Candidate; tier: Tier } | undefined {
  if (chosen.traits.fim !== false) {
    if (chosen.traits.fim === undefined) {
      reasons.push(`${chosen.info.name}: fill-in-the-middle support unknown until tried`);
    }
    return undefined;
  }
  if (named && chosen.traits.fimSentinels) {
    reasons.push(`${chosen.info.name}: the server has no fill-in-the-middle for it → a raw prompt with its family's own FIM tokens`);
    return undefined;
  }
  const known = fimAlternatives(machine, chosen, true)[0];
  if (known !== undefined) {
    reasons.push(`${chosen.info.name} has no fill-in-the-middle support → using ${known.candidate.info.name} (${known.tier} tier) for inline completion`);
    return known;
  }
  // Servers such as llama-server only reveal FIM support when tried: a model not yet tried beats one known to lack it.
  const untried = fimAlternatives(machine, chosen, undefined)[0];
  if (untried !== undefined) {
    reasons.push(`${chosen.info.name} has no fill-in-the-middle support → trying ${untried.candidate.info.name} (${untried.tier} tier), whose support is unknown until tried`);
    return untried;
  }
  reasons.push(`${chosen.info.name} has no fill-in-the-middle support and no installed model has it → completing from the prefix only`);
  return undefined;
}

/** Models other than `except` whose FIM support is `fim` (true: known; undefined: untried): tier models first, then others by suitability. */
function fimAlternatives(machine: Machine, except: Candidate, fim: boolean | undefined): { candidate: Candidate; tier: Tier }[] {
  const out: { candidate: Candidate; tier: Tier }[] = [];
  const seen = new Set<string>([`${except.info.endpointId}/${except.info.name}`]);
  const push = (candidate: Candidate, tier: Tier): void => {
    const key = `${candidate.info.endpointId}/${candidate.info.name}`;
    if (!seen.has(key) && candidate.traits.fim === fim) {
      seen.add(key);
      out.push({ candidate, tier });
    }
  };
  for (const t of ['code', 'small', 'moe'] as const) {
    const r = machine.resolve(t);
    if (r.ok) {
      push(r.candidate, t);
    }
  }
  // Other installed FIM models: coder models of moderate size first, loaded first, then by name.
  const rest = machine.usable
    .filter((c) => c.traits.fim === fim)
    .slice()
    .sort((a, b) => fimRank(machine, a) - fimRank(machine, b) || a.info.name.localeCompare(b.info.name) || a.info.endpointId.localeCompare(b.info.endpointId));
  for (const c of rest) {
    push(c, machine.tierOf(c));
  }
  return out;
}

function fimRank(machine: Machine, c: Candidate): number {
  const p = c.traits.activeParamsB ?? c.traits.paramsB ?? 50;
  return (c.traits.coder ? 0 : 10) + (machine.isLoaded(c) ? 0 : 1) + Math.abs(Math.log2(Math.max(0.1, p) / 7));
}

/** A model measured too slow for quick work gives way to a faster one, when one is known. */
function preferFaster(
  work: QuickWork,
  chosen: Candidate,
  tier: Tier,
  source: Source,
  machine: Machine,
  reasons: string[],
): { candidate: Candidate; tier: Tier } | undefined {
  const speeds = machine.env.speeds;
  if (speeds === undefined) {
    return undefined;
  }
  const budget = speedBudgets[work];
  const sample = speeds.get(speedKey(chosen.info.endpointId, chosen.info.name));
  const slow = tooSlowFor(sample, budget);
  if (slow === undefined) {
    return undefined;
  }
  const what = work === 'inlineCompletion' ? 'inline completion' : 'a quick question';
  if (source === 'override' || source === 'pin') {
    reasons.push(`${chosen.info.name} is slow for ${what} (${slow}) but was chosen explicitly → kept`);
    return undefined;
  }
  // Candidates: the other tiers' models (and for inline completion, other FIM models), measured within budget.
  const pool: { candidate: Candidate; tier: Tier }[] = [];
  if (work === 'inlineCompletion') {
    pool.push(...fimAlternatives(machine, chosen, true));
  } else {
    for (const t of tierOrder) {
      const r = machine.resolve(t);
      if (r.ok && !sameModel(r.candidate.info.name, chosen.info.name)) {
        pool.push({ candidate: r.candidate, tier: t });
      }
    }
  }
  let best: { candidate: Candidate; tier: Tier; ttft: number } | undefined;
  for (const p of pool) {
    const s = speeds.get(speedKey(p.candidate.info.endpointId, p.candidate.info.name));
    if (s === undefined || tooSlowFor(s, budget) !== undefined || s.samples < 1) {
      continue;
    }
    if (best === undefined || s.timeToFirstTokenMs < best.ttft) {
      best = { ...p, ttft: s.timeToFirstTokenMs };
    }
  }
  if (best === undefined) {
    // No measured alternative: a smaller unmeasured model is a fair bet for inline completion.
    const smaller = pool.find(
      (p) =>
        !speeds.has(speedKey(p.candidate.info.endpointId, p.candidate.info.name)) &&
        (p.candidate.traits.activeParamsB ?? Infinity) < (chosen.traits.activeParamsB ?? Infinity),
    );
    if (smaller === undefined) {
      reasons.push(`${chosen.info.name} is slow for ${what} (${slow}); no faster model is available`);
      return undefined;
    }
    reasons.push(`${tier} tier's ${chosen.info.name} is too slow for ${what} (${slow}) → trying the smaller ${smaller.candidate.info.name} (${smaller.tier} tier, not measured yet)`);
    return smaller;
  }
  reasons.push(
    `${tier} tier's ${chosen.info.name} is too slow for ${what} (${slow}) → using ${best.candidate.info.name} (${best.tier} tier, first token after ${formatMs(best.ttft)})`,
  );
  return best;
}

function noModel(want: Want, env: RouterEnvironment, reasons: string[]): NoModelDecision {
  const suggestedModel = recommendedModels[want.tier];
  let suggestion: string;
  if (env.installed.length === 0) {
    reasons.push('no models are installed on any endpoint');
    // Plain text (shown in error boxes and notifications): no Markdown backticks.
    suggestion = `Pull a model, e.g. "ollama pull ${suggestedModel}", or check that your model server is running.`;
  } else {
    reasons.push(`only embedding models are installed (${env.installed.map((m) => m.name).join(', ')}); none can generate text`);
    suggestion = `Pull a model that generates text, e.g. "ollama pull ${suggestedModel}".`;
  }
  return { kind: 'noModel', tier: want.tier, confidence: want.confidence, reasons, suggestion, suggestedModel };
}
