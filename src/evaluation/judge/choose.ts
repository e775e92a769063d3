/**
 * Which model judges: the strongest installed chat model that is not the model under test (a model grading itself
 * is lenient), or the user's choice when it qualifies. "Strongest" by the routing traits: more parameters first
 * (total, so a MoE counts its experts), an instruct model before a base model, then the name for a stable order.
 * Pure: no `vscode` import.
 */
import type { ModelInfo } from '../../backend/types';
import { chatModels, formatParams, modelTraits, sameModel } from '../../routing/modelTraits';

/** The judge, or why there is none. */
export type JudgeChoice = { readonly ok: true; readonly model: ModelInfo; readonly why: string } | { readonly ok: false; readonly reason: string };

/** Chooses the judge for `underTest` among `installed`; `preferred` (a model name) wins when installed and not under test. */
export function chooseJudge(installed: readonly ModelInfo[], underTest: string, preferred?: string): JudgeChoice {
  const candidates = chatModels(installed).filter((m) => !sameModel(m.name, underTest));
  if (preferred !== undefined && preferred.trim() !== '') {
    if (sameModel(preferred, underTest)) {
      return { ok: false, reason: `the judge ${preferred} is the model under test; a model never judges itself` };
    }
    const chosen = candidates.find((m) => sameModel(m.name, preferred));
    if (chosen !== undefined) {
      return { ok: true, model: chosen, why: `${chosen.name}, as chosen` };
    }
  }
  const ranked = [...candidates].sort((a, b) => {
    const ta = modelTraits(a);
    const tb = modelTraits(b);
    return (tb.paramsB ?? 0) - (ta.paramsB ?? 0) || Number(ta.base) - Number(tb.base) || a.name.localeCompare(b.name);
  });
  const best = ranked[0];
  if (best === undefined) {
    return { ok: false, reason: `no installed chat model other than ${underTest} to judge it; install a second model` };
  }
  return { ok: true, model: best, why: `${best.name} (${formatParams(modelTraits(best).paramsB)}), the strongest installed model other than ${underTest}` };
}
