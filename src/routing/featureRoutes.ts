/**
 * One source of truth for the tier of the features that exist twice: Explain and Review run from the editor's
 * context menu and as built-in prompts in the Prompts view. Both ask the router the same question here, so the
 * tier the Prompts view shows ("auto": chosen per request) is the tier each run really gets.
 * Pure: no `vscode` import.
 */
import type { TaskKind, Tier } from '../settings/schema';
import type { RouteCode, RouteInput } from './types';

/** A feature whose tier is chosen per request from the code it is about. */
export type RoutedFeature = 'explain' | 'review';

/** The built-in prompts that are these features, by name (source `builtin`; a user copy keeps its own tier). */
const builtinPromptFeatures: Readonly<Record<string, RoutedFeature>> = { Explain: 'explain', Review: 'review' };

/** The tier a built-in feature prompt declares: the router's choice, per request, as the command's. */
export const featureTierHint = 'auto';

/**
 * The route input of Explain / Review on a piece of code. The commands and the built-in prompts both use it:
 * the router sees the same task, words and code size, so it picks the same tier.
 */
export function featureRouteInput(feature: RoutedFeature, code: RouteCode, question?: string): RouteInput {
  const what = `${code.languageId !== undefined && code.languageId !== '' ? `${code.languageId} ` : ''}code`;
  return { task: feature, text: question ?? `${feature === 'explain' ? 'Explain' : 'Review'} this ${what}`, code };
}

/** The feature a prompt is, when it is one of the built-ins that mirror a command. */
export function featureOfPrompt(prompt: { readonly name: string; readonly source: string }): RoutedFeature | undefined {
  return prompt.source === 'builtin' ? builtinPromptFeatures[prompt.name] : undefined;
}

/** How a saved prompt is routed: its own tier and model hints, or, for a built-in feature, as the feature. */
export interface PromptRoute {
  readonly task: TaskKind;
  readonly tierHint?: Tier | 'auto';
  readonly modelHint?: string;
  /** Replaces the message text and its code for the router only (the model still gets the whole prompt). */
  readonly routeAs?: { readonly text: string; readonly code?: RouteCode };
}

/** The route of a resolved saved prompt. `code` is the attached code's size, when there is some. */
export function promptRoute(
  prompt: { readonly name: string; readonly source: string; readonly tier: Tier | 'auto'; readonly model?: string },
  code: RouteCode | undefined,
): PromptRoute {
  const feature = featureOfPrompt(prompt);
  if (feature !== undefined && prompt.tier === featureTierHint && prompt.model === undefined) {
    const input = featureRouteInput(feature, code ?? { lines: 0, chars: 0, fileCount: 0 });
    return { task: feature, routeAs: { text: input.text, ...(code !== undefined ? { code } : {}) } };
  }
  return {
    task: 'savedPrompt',
    ...(prompt.tier !== 'auto' ? { tierHint: prompt.tier } : {}),
    ...(prompt.model !== undefined ? { modelHint: prompt.model } : {}),
  };
}
