/**
 * Text checks: the answer equals a value, contains it, or does not contain it (optionally ignoring case).
 * Pure: no `vscode` import.
 */
import { quoteShort } from './spec';
import type { Check, CheckSpec } from './spec';

type TextSpec = Extract<CheckSpec, { type: 'equals' | 'contains' | 'not-contains' }>;

function fold(value: string, ignoreCase: boolean | undefined): string {
  return ignoreCase === true ? value.toLocaleLowerCase('en-US') : value;
}

/** Builds an equals / contains / not-contains check. Surrounding whitespace never counts for equals. */
export function textCheck(spec: TextSpec): Check {
  const expected = fold(spec.type === 'equals' ? spec.value.trim() : spec.value, spec.ignoreCase);
  const label = `${spec.type}${spec.ignoreCase === true ? ' (any case)' : ''} ${quoteShort(spec.value)}`;
  return {
    label,
    run(answer) {
      const actual = fold(spec.type === 'equals' ? answer.trim() : answer, spec.ignoreCase);
      switch (spec.type) {
        case 'equals':
          return actual === expected ? { pass: true, detail: 'equal' } : { pass: false, detail: `the answer is ${quoteShort(answer.trim())}` };
        case 'contains':
          return actual.includes(expected) ? { pass: true, detail: 'found' } : { pass: false, detail: 'not found in the answer' };
        case 'not-contains':
          return actual.includes(expected) ? { pass: false, detail: 'found in the answer' } : { pass: true, detail: 'absent' };
      }
    },
  };
}
