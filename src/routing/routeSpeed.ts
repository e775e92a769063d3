/**
 * Quick work has a speed budget: a model measured too slow for inline completion or a quick question gives way to a
 * measured faster one, or a smaller unmeasured one. Explicit choices are kept. Pure: no `vscode` import.
 */
import type { Tier } from '../settings/schema';
import { tiers as tierOrder } from '../settings/schema';
import { formatMs } from '../util/format';
import { sameModel } from './modelTraits';
import { fimAlternatives } from './routeFim';
import type { Candidate, Machine, Placed } from './routeMachine';
import type { Source } from './routePrecedence';
import type { QuickWork } from './speedStats';
import { speedBudgets, speedKey, tooSlowFor } from './speedStats';

/** A model measured too slow for quick work gives way to a faster one, when one is known. */
export function preferFaster(
  work: QuickWork,
  chosen: Candidate,
  tier: Tier,
  source: Source,
  machine: Machine,
  reasons: string[],
): Placed | undefined {
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
  const pool: Placed[] = [];
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
