/**
 * The review check: the answer, read by the same parser as the Review command, reports a finding covering a given
 * line (the planted bug). A refusal or an unreadable answer fails with the reason. Pure: no `vscode` import.
 */
import { parseReview } from '../../review/parseReview';
import type { Check, CheckSpec } from './spec';

/** A finding-at-line check. */
export function findingAtLineCheck(spec: Extract<CheckSpec, { type: 'finding-at-line' }>): Check {
  const tolerance = spec.tolerance ?? 0;
  return {
    label: `finding at line ${spec.line}${tolerance > 0 ? ` ±${tolerance}` : ''}`,
    run(answer) {
      const parsed = parseReview(answer);
      if (parsed.kind === 'refusal') {
        return { pass: false, detail: `the model refused: ${parsed.message}` };
      }
      if (parsed.kind === 'invalid') {
        return { pass: false, detail: `not a review: ${parsed.problems[0] ?? 'unreadable'}` };
      }
      const findings = parsed.answer.findings;
      const hit = findings.find((f) => f.startLine - tolerance <= spec.line && spec.line <= f.endLine + tolerance);
      if (hit !== undefined) {
        return { pass: true, detail: `reported at lines ${hit.startLine}–${hit.endLine}` };
      }
      return {
        pass: false,
        detail: findings.length === 0 ? 'no findings' : `findings at ${findings.map((f) => (f.startLine === f.endLine ? `${f.startLine}` : `${f.startLine}–${f.endLine}`)).join(', ')}`,
      };
    },
  };
}
