/**
 * Inline completion needs fill-in-the-middle: the model chosen for it gives way to one with FIM support, known or
 * untried, when it has none. Pure: no `vscode` import.
 */
import type { Tier } from '../settings/schema';
import type { Candidate, Machine, Placed } from './routeMachine';

/**
 * Inline completion never uses a model without FIM when one with FIM is installed, unless the user named it and
 * its family's FIM sentinels are known (the completion pipeline then writes the raw prompt itself).
 */
export function ensureFim(chosen: Candidate, machine: Machine, reasons: string[], named: boolean): Placed | undefined {
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
export function fimAlternatives(machine: Machine, except: Candidate, fim: boolean | undefined): Placed[] {
  const out: Placed[] = [];
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
