/**
 * Whether a chat question retrieves from the workspace index: always with `@codebase`; with the composer's
 * "codebase" toggle on, also when the question names code (an identifier, a call, a file) or asks where, how or
 * why. Pure: no `vscode` import.
 */
import { mentionsCodebase } from '../index/retrieval';

/** Why a question retrieves: it says `@codebase`, or the toggle is on and it asks about code. */
export type RetrievalReason = 'mention' | 'auto';

/** Words that ask about the code's structure or behaviour. */
const QUESTION_WORDS = /\b(where|how|why)\b/i;

/** Shapes that name code rather than prose. */
const CODE_NAMES: readonly RegExp[] = [
  /`[^`\s][^`]*`/, // `anything in backticks`
  /\b[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*\b/, // camelCase
  /\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b/, // PascalCase with two or more humps
  /\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b/, // snake_case, SCREAMING_CASE
  /\b[A-Za-z_$][\w$]*\(/, // a call: parse(
  /\b[\w-]+\.(?:ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|kt|c|cc|cpp|h|hpp|cs|rb|php|swift)\b/, // a file name
];

/** True when the question names an identifier, a call or a file, or asks where/how/why. */
export function asksAboutCode(question: string): boolean {
  return QUESTION_WORDS.test(question) || CODE_NAMES.some((shape) => shape.test(question));
}

/** Why `question` retrieves (undefined: it does not). `auto` is the composer's toggle. */
export function retrievalFor(question: string, auto: boolean): RetrievalReason | undefined {
  if (mentionsCodebase(question)) {
    return 'mention';
  }
  return auto && asksAboutCode(question) ? 'auto' : undefined;
}

/** The Context note's words for why the index was searched. */
export function describeRetrieval(reason: RetrievalReason): string {
  return reason === 'mention' ? 'asked with @codebase' : 'codebase on: the question names code or asks where/how/why';
}
