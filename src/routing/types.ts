/**
 * The router's contracts: what a request looks like to the router, what the machine offers,
 * and the decision with its reasons. Pure: no `vscode` import.
 */
import type { ModelInfo } from '../backend/types';
import type { TaskKind, Tier } from '../settings/schema';

/** Size and shape of the code a request is about (a selection, the current file, several files). */
export interface RouteCode {
  readonly lines: number;
  readonly chars: number;
  /** VS Code language id, e.g. `typescript`. */
  readonly languageId?: string;
  readonly fileCount: number;
}

/** A verdict from an optional model-based classifier for borderline cases (see `classify.ts`). */
export interface ClassifierVerdict {
  readonly tier: Tier;
  /** Who decided, for the reasons, e.g. `qwen2.5:0.5b classifier`. */
  readonly source: string;
}

/** What is being asked. Only `task` and `text` are required. */
export interface RouteInput {
  readonly task: TaskKind;
  /** The question or prompt (for inline completion: may be empty). */
  readonly text: string;
  readonly code?: RouteCode;
  /** Earlier failed or retried attempts in this conversation. */
  readonly attempts?: number;
  /** "Retry with a bigger tier": how many tiers to step up. */
  readonly escalate?: number;
  /** A saved prompt's tier. */
  readonly tierHint?: Tier | 'auto';
  /** A saved prompt's model. */
  readonly modelHint?: string;
  /** The user's explicit choice in the UI (or, for inline completion, the `completion.model` setting). */
  readonly override?: { readonly tier?: Tier; readonly model?: string };
  /**
   * Result of an optional small-model classifier, run by the caller when {@link isBorderline} says the heuristic is unsure.
   * Used only when the heuristic classification is borderline. Off unless a caller supplies it.
   */
  readonly classifierVerdict?: ClassifierVerdict;
}

/** Measured speed of one endpoint/model (from {@link SpeedStats.snapshot}). */
export interface SpeedSample {
  readonly tokensPerSecond: number;
  readonly timeToFirstTokenMs: number;
  readonly samples: number;
}

/** What the machine offers, as the router sees it. */
export interface RouterEnvironment {
  /** From settings; `''` = not configured (model) or "any endpoint" (endpoint). */
  readonly tiers: Readonly<Record<Tier, { readonly model: string; readonly endpoint: string }>>;
  /** Per task kind: a tier name or a model name (setting `tiered.routing.pins`). */
  readonly pins: Readonly<Partial<Record<TaskKind, string>>>;
  /** Installed models from every endpoint (each carries its `endpointId`). */
  readonly installed: readonly ModelInfo[];
  /** Models loaded in memory right now, per endpoint. */
  readonly loaded: readonly { readonly endpointId: string; readonly name: string }[];
  /** Keyed by `endpointId/model` (see `speedKey`). */
  readonly speeds?: ReadonlyMap<string, SpeedSample>;
  /** Setting `tiered.routing.preferLoaded`. */
  readonly preferLoaded: boolean;
}

/** A model was chosen. */
export interface RoutedDecision {
  readonly kind: 'routed';
  readonly tier: Tier;
  readonly model: string;
  readonly endpointId: string;
  /** 0..1: how sure the router is that this tier suits the request. */
  readonly confidence: number;
  /** Human-readable, in the order they were applied; never empty. */
  readonly reasons: readonly string[];
  /** True when the tier or model actually used differs from the one first wanted (missing model, FIM, speed). */
  readonly fallback: boolean;
}

/** No installed model can serve the request. */
export interface NoModelDecision {
  readonly kind: 'noModel';
  /** The tier the request wanted. */
  readonly tier: Tier;
  readonly confidence: number;
  /** Never empty. */
  readonly reasons: readonly string[];
  /** What the user can do, e.g. "Pull a model: ollama pull qwen2.5-coder:7b". */
  readonly suggestion: string;
  /** A model worth pulling for the wanted tier. */
  readonly suggestedModel: string;
}

/**
 * The router's answer: a discriminated union on `kind`.
 * Narrow with `decision.kind === 'routed'` (or {@link isRouted}) before using `model`/`endpointId`.
 */
export type RouteDecision = RoutedDecision | NoModelDecision;

/** Type guard for the routed branch. */
export function isRouted(decision: RouteDecision): decision is RoutedDecision {
  return decision.kind === 'routed';
}
