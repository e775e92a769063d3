/**
 * The prompt a test case sends: the saved prompt filled with the case's variables and code, laid out by the
 * context engine like any prompt the user runs (instructions first, the code at the end). Pure: no `vscode` import.
 */
import { layoutPrompt } from '../context/layout';
import { approximateCounter } from '../context/tokenCounter';
import { promptContextItems, resolvePrompt } from '../prompts/resolve';
import type { UsablePromptEntry } from '../prompts/types';
import type { TestCase } from './cases';

/** The text sent for `testCase`, within `budgetTokens` (default 8192). */
export function casePrompt(entry: UsablePromptEntry, testCase: TestCase, budgetTokens = 8192): string {
  const resolved = resolvePrompt(
    entry,
    {
      ...(testCase.selection !== undefined ? { selection: testCase.selection } : {}),
      ...(testCase.language !== undefined ? { language: testCase.language } : {}),
      ...(testCase.file !== undefined ? { file: testCase.file, fileBasename: testCase.file.split(/[\\/]/).pop() ?? testCase.file } : {}),
    },
    new Map(Object.entries(testCase.vars)),
  );
  return layoutPrompt(promptContextItems(resolved), budgetTokens, approximateCounter()).text;
}
