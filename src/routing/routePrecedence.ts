/**
 * The router's first stages: what the request asks for (precedence: the user's override > a pin for the task >
 * a saved prompt's hint > the classifier, with a small model's verdict for borderline cases), then escalation
 * after failed attempts or "retry with a bigger tier". Pure: no `vscode` import.
 */
import type { TaskKind, Tier } from '../settings/schema';
import { tiers as tierOrder } from '../settings/schema';
import type { Classification } from './classify';
import { isBorderline } from './classify';
import type { Candidate, Machine } from './routeMachine';
import { tierAt, tierIndex, topTier } from './routeMachine';
import type { RouteInput, RouterEnvironment } from './types';

/** Setting names, for reasons that tell the user where a choice came from. */
const pinsSetting = 'tiered.routing.pins';

export type Source = 'override' | 'pin' | 'hint' | 'classifier';

/** What the request asks for before the machine is consulted. */
export interface Want {
  tier: Tier;
  /** An explicit model (override, pin or saved prompt), when one was chosen and is installed. */
  model: Candidate | undefined;
  source: Source;
  confidence: number;
}

/** Apply precedence: override > pin > saved-prompt hint > classifier. */
export function decideWant(input: RouteInput, env: RouterEnvironment, machine: Machine, reasons: string[], classifyOnce: () => Classification): Want {
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
    // The heuristic hesitated between its tier and the runner-up; a verdict for the third tier contradicts what it
    // is sure of (a small model's stray answer must not send a definition to the moe tier).
    if (verdict.tier !== c.runnerUp) {
      reasons.push(`heuristic unsure (confidence ${c.confidence.toFixed(2)}); ${verdict.source} says ${verdict.tier}, not ${c.tier} or ${c.runnerUp} → kept ${c.tier}`);
      return { tier: c.tier, model: undefined, source: 'classifier', confidence: c.confidence };
    }
    reasons.push(`heuristic unsure (confidence ${c.confidence.toFixed(2)}) → ${verdict.source} says ${verdict.tier}`);
    return { tier: verdict.tier, model: undefined, source: 'classifier', confidence: Math.max(c.confidence, 0.6) };
  }
  if (verdict !== undefined && isBorderline(c)) {
    reasons.push(`heuristic unsure (confidence ${c.confidence.toFixed(2)}); ${verdict.source} agrees: ${verdict.tier}`);
  }
  return { tier: c.tier, model: undefined, source: 'classifier', confidence: c.confidence };
}

/** "Retry with a bigger tier" and repeated failures move the request up. */
export function applyEscalation(input: RouteInput, want: Want, reasons: string[]): void {
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
