/**
 * Resolving the wanted tier to an installed model: the nearest tier with a model when its own is missing (hard work
 * up first, quick work down first; a loaded one between equals), and a loaded neighbour when the classifier was
 * unsure. Pure: no `vscode` import.
 */
import type { Tier } from '../settings/schema';
import { tiers as tierOrder } from '../settings/schema';
import type { Classification } from './classify';
import { isBorderline } from './classify';
import { sameModel } from './modelTraits';
import type { Candidate, Machine, Placed, Resolution } from './routeMachine';
import { tierAt, tierIndex } from './routeMachine';
import type { Want } from './routePrecedence';
import type { RouteInput } from './types';

/** Resolve the wanted tier, falling back to the nearest tier with an installed model. */
export function resolveWithFallback(
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
export function preferLoadedNeighbour(
  c: Classification,
  tier: Tier,
  chosen: Candidate,
  machine: Machine,
  reasons: string[],
): Placed | undefined {
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
