/**
 * Prompts for Explain and Review, built as context-engine items so `layoutPrompt` puts them where models read
 * best: the instructions at the start, the supporting context (enclosing symbol, imports used, definitions of
 * referenced symbols) ranked in the middle, the selection at the end edge, the question last.
 * Pure: no `vscode` import.
 */
import { defaultRenderer, fenceFor } from '../context/items';
import type { ContextItem, ItemRenderer } from '../context/items';
import type { PromptLayout } from '../context/layout';
import { definitionSummary } from '../context/signature';
import { categories, severities } from './findings';
import { textFormatInstructions } from './textFormat';

/** How directly the selection depends on a definition: it calls it, constructs it, or only names it. */
export type DefinitionRelation = 'called' | 'constructed' | 'referenced';

/** A piece of supporting context gathered from the editor's symbol and definition providers. */
export interface SupportingSnippet {
  readonly kind: 'enclosingSymbol' | 'imports' | 'definition';
  /** e.g. `function parse (src/a.ts:12)`. */
  readonly title: string;
  readonly text: string;
  readonly language?: string;
  /** Definitions: how the selection uses it (default `referenced`). */
  readonly relation?: DefinitionRelation;
}

/** The code a request is about. */
export interface CodeUnderReview {
  readonly text: string;
  /** Absolute 1-based line of the first line of {@link text}. */
  readonly startLine: number;
  /** Workspace-relative path or the untitled name. */
  readonly path: string;
  readonly languageId: string;
  /** Why this code was picked when there was no selection (e.g. "the enclosing function parse"), shown to the user. */
  readonly note?: string;
}

/**
 * Ranks of supporting snippets, by how directly the selection depends on them: the functions it calls first
 * (their contracts decide what the code does), then the types it constructs, then the enclosing symbol, the
 * other definitions it names, and the import lines. Higher is kept longer and placed nearer the selection.
 */
export const supportingRank: Readonly<Record<DefinitionRelation | 'enclosingSymbol' | 'imports', number>> = {
  called: 50,
  constructed: 40,
  enclosingSymbol: 30,
  referenced: 20,
  imports: 10,
};

function rankOf(s: SupportingSnippet): number {
  return s.kind === 'definition' ? supportingRank[s.relation ?? 'referenced'] : supportingRank[s.kind];
}

/**
 * Supporting snippets as ranked middle items; earlier snippets of a rank rank higher (callers list them by
 * relevance). Definitions carry their short form (doc comment + signature) for the layout to fall back to.
 */
export function supportingItems(snippets: readonly SupportingSnippet[]): ContextItem[] {
  return snippets.map((s, i) => {
    const summary = s.kind === 'definition' ? definitionSummary(s.text) : undefined;
    return {
      kind: 'supporting',
      id: `ctx-${String(i).padStart(3, '0')}`,
      title: s.title,
      text: s.text,
      ...(s.language !== undefined ? { language: s.language } : {}),
      rank: rankOf(s) - i / 1000,
      ...(summary !== undefined ? { summary } : {}),
    };
  });
}

/** The selection with an absolute line-number gutter (`  12 | code`), so the model can cite lines. */
export function withGutter(text: string, startLine: number): string {
  const lines = text.split('\n');
  const width = String(startLine + lines.length - 1).length;
  return lines.map((l, i) => `${String(startLine + i).padStart(width, ' ')} | ${l.replace(/\r$/, '')}`).join('\n');
}

/** Renders supporting items as "Related code: <title>" blocks; the rest as the context engine does. */
export const explainReviewRenderer: ItemRenderer = (item, text) => {
  if (item.kind === 'supporting') {
    const fence = fenceFor(text);
    return `Related code: ${item.title ?? ''}\n${fence}${item.language ?? ''}\n${text}\n${fence}`;
  }
  return defaultRenderer(item, text);
};

function lineSpan(code: CodeUnderReview): string {
  const last = code.startLine + code.text.split('\n').length - 1;
  return last === code.startLine ? `line ${code.startLine}` : `lines ${code.startLine}-${last}`;
}

/** How the review answer must be written. */
export type ReviewAnswerMode = 'json' | 'text';

/** The instructions of a review request. */
export function reviewInstructions(mode: ReviewAnswerMode): string {
  const common = [
    'You are a careful, experienced code reviewer.',
    'Review ONLY the selected code shown at the end (related code is there for context). Report real problems: bugs, security issues, performance problems, readability and style issues worth fixing.',
    'Do not invent problems. If the code is fine, report no findings and say so in the summary.',
    'Every line of the selected code starts with its line number and " | "; that gutter is not part of the code.',
    'For each finding give:',
    `- severity: one of ${severities.join(', ')};`,
    `- category: one of ${categories.join(', ')};`,
    '- startLine and endLine: the line numbers from the gutter;',
    '- quote: the exact code the finding is about, copied character for character from the selection, WITHOUT the gutter (keep it short: the few lines that matter);',
    '- explanation: why it is a problem, in one or two sentences;',
    '- replacement: code that replaces the quoted code exactly (same scope, without the gutter), or an empty string when there is no concrete fix.',
  ];
  return mode === 'json'
    ? [...common, 'Answer with a JSON object only: {"summary": string, "findings": [ {"severity", "category", "startLine", "endLine", "quote", "explanation", "replacement"} ]}.'].join('\n')
    : [...common, '', textFormatInstructions].join('\n');
}

/** Items of a review request, for `layoutPrompt`. */
export function reviewItems(code: CodeUnderReview, snippets: readonly SupportingSnippet[], mode: ReviewAnswerMode): ContextItem[] {
  return [
    { kind: 'instructions', id: 'instructions', text: reviewInstructions(mode) },
    ...supportingItems(snippets),
    { kind: 'selection', id: 'selection', title: `${code.path} (${lineSpan(code)})`, text: withGutter(code.text, code.startLine), language: code.languageId },
    {
      kind: 'question',
      id: 'question',
      text: `Review the selected code (${lineSpan(code)} of ${code.path}). ${mode === 'json' ? 'Answer with the JSON object only.' : 'Answer in the plain-text format described at the start.'}`,
    },
  ];
}

/** The instructions of an explain request. */
export const explainInstructions = [
  'You are an expert programmer explaining code to a colleague.',
  'Explain the selected code shown at the end (related code is there for context): what it does, how it works, and anything non-obvious (edge cases, side effects, assumptions, pitfalls).',
  'Be concise and concrete; use Markdown with short paragraphs or bullet points; quote identifiers in backticks. Do not repeat the whole code.',
].join('\n');

/** Items of an explain (or "ask about") request. `question` defaults to "Explain the selected code." */
export function explainItems(code: CodeUnderReview, snippets: readonly SupportingSnippet[], question?: string): ContextItem[] {
  const q = question !== undefined && question.trim() !== '' ? question.trim() : `Explain the selected code (${lineSpan(code)} of ${code.path}).`;
  return [
    { kind: 'instructions', id: 'instructions', text: explainInstructions },
    ...supportingItems(snippets),
    { kind: 'selection', id: 'selection', title: `${code.path} (${lineSpan(code)})`, text: code.text, language: code.languageId },
    { kind: 'question', id: 'question', text: q },
  ];
}

/**
 * A visible note when the context engine had to cut the selection itself (a huge selection), e.g.
 * "The selection was too long for the model's context: 1,200 of its 3,000 lines were cut." Undefined when whole.
 */
export function selectionCutNote(layout: PromptLayout, totalLines: number): string | undefined {
  const seg = layout.segments.find((s) => s.kind === 'selection');
  if (seg === undefined || (!seg.trimmed && !seg.dropped) || seg.linesCut <= 0) {
    return undefined;
  }
  return `The selection was too long for the model's context: ${seg.linesCut.toLocaleString('en-US')} of its ${totalLines.toLocaleString('en-US')} lines were cut (the first lines were kept).`;
}

/** Characters of an invalid answer quoted at most in a repair request (the layout may quote fewer, to fit). */
const maxQuotedAnswerChars = 4000;
/** Validation problems listed at most in a repair request. */
const maxListedProblems = 12;

/**
 * Items of the follow-up request that asks the model to fix a malformed review answer: the same request laid out
 * again (so it goes through the same budget: instructions first, the selection and the question at the end edge),
 * with the invalid answer quoted in the middle (the layout quotes its start only as far as it fits) and a question
 * listing what was wrong.
 */
export function repairItems(
  code: CodeUnderReview,
  snippets: readonly SupportingSnippet[],
  mode: ReviewAnswerMode,
  badAnswer: string,
  problems: readonly string[],
): ContextItem[] {
  const quoted = badAnswer.length > maxQuotedAnswerChars ? `${badAnswer.slice(0, maxQuotedAnswerChars)}\n… [${badAnswer.length - maxQuotedAnswerChars} characters cut]` : badAnswer;
  const listed = problems.length > maxListedProblems ? [...problems.slice(0, maxListedProblems), `… and ${problems.length - maxListedProblems} more`] : problems;
  const base = reviewItems(code, snippets, mode).filter((i) => i.kind !== 'question');
  return [
    ...base,
    { kind: 'history', id: 'previous-answer', title: 'Your previous answer (it could not be used)', text: quoted, focusLine: 0 },
    {
      kind: 'question',
      id: 'question',
      text: [
        `Your previous answer to the review of ${lineSpan(code)} of ${code.path} could not be used:`,
        ...listed.map((p) => `- ${p}`),
        mode === 'json'
          ? 'Answer again with ONLY the JSON object {"summary": string, "findings": [...]} where every finding has severity, category, startLine, endLine, quote, explanation and replacement, using the allowed values.'
          : 'Answer again in the exact plain-text format (FINDING … END FINDING blocks, or NO FINDINGS) and nothing else.',
      ].join('\n'),
    },
  ];
}
