/**
 * Reading a model's review answer: JSON (structured output, or JSON the model wrote by itself inside a fence or
 * after some chatter), or the strict text format used with servers without structured output
 * (see `textFormat.ts`). A refusal ("I'm sorry, I can't…") or nonsense is reported as such, never as findings.
 * Pure: no `vscode` import.
 */
import { describeIssues, reviewAnswerSchema } from './findings';
import type { ReviewAnswer } from './findings';
import { looksLikeTextFormat, parseTextFormat } from './textFormat';

/** What an answer turned out to be. */
export type ParsedReview =
  | { readonly kind: 'review'; readonly answer: ReviewAnswer }
  /** The model declined or said it cannot review; `message` is its own words (shortened). */
  | { readonly kind: 'refusal'; readonly message: string }
  /** Not a review: `problems` says what is wrong (for the repair prompt and the error message). */
  | { readonly kind: 'invalid'; readonly problems: readonly string[] };

const refusalPattern =
  /\b(I(?:'m| am) (?:sorry|unable|not able)|I can(?:not|'t|’t) (?:help|assist|review|do|comply|provide)|I won(?:'t|’t)|as an AI\b|I(?:'m| am) not (?:comfortable|allowed)|cannot (?:assist|help) with)/i;

/** True when a text reads like a refusal rather than an answer. */
export function looksLikeRefusal(text: string): boolean {
  return refusalPattern.test(text.slice(0, 2000));
}

/** Removes reasoning blocks some models emit before the answer (`<think>…</think>`). */
export function stripThinking(text: string): string {
  return text.replace(/<think>[\s\S]*?<\/think>/gi, '').replace(/^[\s\S]*<\/think>/i, '');
}

/**
 * The first complete top-level JSON object in a text (string-aware brace matching), or undefined.
 * Handles an answer wrapped in a Markdown fence or preceded by a sentence.
 */
export function extractJsonObject(text: string): string | undefined {
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    let escaped = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (c === '\\') {
          escaped = true;
        } else if (c === '"') {
          inString = false;
        }
        continue;
      }
      if (c === '"') {
        inString = true;
      } else if (c === '{') {
        depth += 1;
      } else if (c === '}') {
        depth -= 1;
        if (depth === 0) {
          const candidate = text.slice(start, i + 1);
          try {
            JSON.parse(candidate);
            return candidate;
          } catch {
            break;
          }
        }
      }
    }
  }
  return undefined;
}

function shorten(text: string, max = 400): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** A bare array of findings is accepted as `{ findings: [...] }` (models drop the wrapper). */
function normalizeShape(value: unknown): unknown {
  if (Array.isArray(value)) {
    return { summary: '', findings: value };
  }
  return value;
}

/** The text itself (or the inside of a Markdown fence around all of it) when it is JSON, e.g. a bare array. */
function wholeJson(text: string): string | undefined {
  const fenced = /^```[\w-]*\s*\n([\s\S]*?)\n\s*```$/.exec(text);
  const body = (fenced?.[1] ?? text).trim();
  if (!body.startsWith('[') && !body.startsWith('{')) {
    return undefined;
  }
  try {
    JSON.parse(body);
    return body;
  } catch {
    return undefined;
  }
}

/** Parses one answer. */
export function parseReview(raw: string): ParsedReview {
  const text = stripThinking(raw).trim();
  if (text === '') {
    return { kind: 'invalid', problems: ['the answer is empty'] };
  }
  const json = wholeJson(text) ?? extractJsonObject(text);
  if (json !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      return { kind: 'invalid', problems: [`the JSON does not parse: ${error instanceof Error ? error.message : String(error)}`] };
    }
    const parsed = reviewAnswerSchema.safeParse(normalizeShape(value));
    if (!parsed.success) {
      return { kind: 'invalid', problems: describeIssues(parsed.error) };
    }
    if (parsed.data.findings.length === 0 && looksLikeRefusal(parsed.data.summary)) {
      return { kind: 'refusal', message: shorten(parsed.data.summary) };
    }
    return { kind: 'review', answer: parsed.data };
  }
  if (looksLikeTextFormat(text)) {
    return parseTextFormat(text);
  }
  if (looksLikeRefusal(text)) {
    return { kind: 'refusal', message: shorten(text) };
  }
  return { kind: 'invalid', problems: [`the answer is not JSON (it begins: "${shorten(text, 120)}")`] };
}
