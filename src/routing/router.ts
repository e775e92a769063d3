/**
 * The tier router: picks a tier, a model and an endpoint for each request, and says why.
 * Deterministic and fast (no model call, no I/O). It reads as its stages:
 * 1. what the request wants (routePrecedence: override > pin > saved prompt's hint > classifier) and escalation;
 * 2. the machine (routeMachine, routeFallback: installed models, fallback between tiers, a loaded neighbour);
 * 3. inline completion's fill-in-the-middle (routeFim) and quick work's speed budget (routeSpeed).
 * Pure: no `vscode` import.
 */
import type { Tier } from '../settings/schema';
import type { Classification } from './classify';
import { classify } from './classify';
import { preferLoadedNeighbour, resolveWithFallback } from './routeFallback';
import { ensureFim } from './routeFim';
import type { Candidate } from './routeMachine';
import { Machine } from './routeMachine';
import type { Want } from './routePrecedence';
import { applyEscalation, decideWant } from './routePrecedence';
import { preferFaster } from './routeSpeed';
import type { QuickWork } from './speedStats';
import type { NoModelDecision, RouteDecision, RouteInput, RouterEnvironment, RoutedDecision } from './types';

export type { ClassifierVerdict, NoModelDecision, RouteCode, RouteDecision, RoutedDecision, RouteInput, RouterEnvironment, SpeedSample } from './types';
export { isRouted } from './types';

/** A model worth pulling for each tier, for "no usable model" suggestions. */
export const recommendedModels: Readonly<Record<Tier, string>> = {
  small: 'qwen2.5-coder:1.5b',
  code: 'qwen2.5-coder:7b',
  moe: 'qwen3:30b-a3b',
};

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
