/**
 * The built-in explain suite on the user's own code: their functions, explained with the Explain command's
 * instructions, judged on a short rubric (yes/no criteria that hold for any function, so no reference answer is
 * needed). Deterministic: the same files give the same cases. Pure: no `vscode` import.
 */
import { explainInstructions } from '../../review/prompts';
import type { CaseSpec } from '../cases';
import { extractFunctions } from './seededBugs';
import type { SourceFile } from './seededBugs';

/** What every explanation of a function should do. */
const rubric: readonly string[] = [
  'Says correctly what the function does and what it returns (or that it returns nothing)',
  'Describes only code that is in the selection: no invented parameters, calls or behaviour',
  'Mentions an edge case, side effect or pitfall of this code, or says plainly that there is none worth noting',
];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}

/** The suite's prompt file: the Explain command's instructions, the function as the selection. */
export function explainPromptFile(): string {
  return `---\nname: Explain my code\ndescription: Explain on your own functions, judged on a rubric (built-in suite).\n---\n${explainInstructions}\n\nExplain the selected code.\n`;
}

/** Up to `count` cases, one function per file, spread over the files; functions of 5 to 40 lines. */
export function explainCases(files: readonly SourceFile[], count = 15): CaseSpec[] {
  const picks = files.flatMap((file) => {
    const fn = extractFunctions(file)
      .filter((f) => {
        const n = f.text.split('\n').length;
        return n >= 5 && n <= 40;
      })
      .sort((a, b) => hash(`${file.path}:${a.line}`) - hash(`${file.path}:${b.line}`))[0];
    return fn === undefined ? [] : [{ file, fn }];
  });
  return picks
    .sort((a, b) => hash(a.file.path) - hash(b.file.path))
    .slice(0, count)
    .map(({ file, fn }) => ({ name: `explain ${fn.name} (${file.path}:${fn.line})`.slice(0, 120), selection: fn.text, language: file.language, file: file.path, rubric: [...rubric] }));
}
