/**
 * The built-in quick-questions suite on the user's own code: short factual questions about their functions whose
 * answers the code itself decides (its name, whether it loops, whether it returns a value), so every case is
 * checked without a judge, and fast small models can be told apart from ones that guess. Quick questions are what
 * the small tier is for: its results speak for the chat task. Deterministic: the same files give the same cases.
 * Pure: no `vscode` import.
 */
import type { CaseSpec } from '../cases';
import { extractFunctions } from './seededBugs';
import type { SourceFile } from './seededBugs';

/** The suite's prompt file: a terse answer to the question, about the selected code. */
export function quickQuestionsPromptFile(): string {
  return [
    '---',
    'name: Quick questions on my code',
    'description: Short factual questions about your own functions, checked against the code (built-in suite).',
    'variables:',
    '  question: The question about the selected code',
    '---',
    'Answer the question about the selected code in as few words as it needs.',
    '',
    '${input:question}',
    '',
  ].join('\n');
}

/** Matches a whole-word "yes" or "no" first in the answer (after any punctuation or markup). */
const answerIs = (word: 'yes' | 'no'): CaseSpec['checks'] => [{ type: 'regex', pattern: `^\\W*${word}\\b`, flags: 'i' }];

/** The questions one function answers, with what its code says the answer is. */
function questionsFor(fn: { readonly text: string; readonly name: string }): { readonly id: string; readonly question: string; readonly checks: CaseSpec['checks'] }[] {
  const body = fn.text.split('\n').slice(1).join('\n');
  const loops = /\b(for|while|do)\b|\.(forEach|map|filter|reduce|some|every|find)\(/.test(body);
  const returnsValue = /\breturn\s+[^;\s}]/.test(body);
  return [
    { id: 'name', question: 'What is the name of the function in the selected code? Answer with the name only.', checks: [{ type: 'contains', value: fn.name }, { type: 'length', max: 12, unit: 'words' }] },
    { id: 'loops', question: 'Does this function loop over anything (a loop statement or an array method such as map or forEach)? Answer yes or no first.', checks: answerIs(loops ? 'yes' : 'no') },
    { id: 'returns', question: 'Does this function return a value with a return statement? Answer yes or no first.', checks: answerIs(returnsValue ? 'yes' : 'no') },
  ];
}

/** Up to `count` cases: the first function (4 to 60 lines) of each file, three questions each, in file order. */
export function quickQuestionCases(files: readonly SourceFile[], count = 30): CaseSpec[] {
  const cases = files.flatMap((file) => {
    const fn = extractFunctions(file)[0];
    return fn === undefined
      ? []
      : questionsFor(fn).map((q) => ({
          name: `${q.id}: ${fn.name} (${file.path}:${fn.line})`.slice(0, 120),
          vars: { question: q.question },
          selection: fn.text,
          language: file.language,
          file: file.path,
          checks: q.checks,
        }));
  });
  return cases.slice(0, count);
}
