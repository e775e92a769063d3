/**
 * What a review is made of: the findings schema (zod, validated on every answer) and the JSON schema sent to
 * the server as `format` (structured output), kept deliberately simple so every server can turn it into a
 * grammar: every property required, no unions, `replacement` is `""` when the model has no fix.
 *
 * Line numbers: **absolute, 1-based document lines**, exactly as printed in the gutter of the selection the
 * model is shown (`12 | code`). Absolute numbers survive the context engine cutting a huge selection (the
 * gutter of the kept lines stays right) and are what the user sees in the editor.
 *
 * The schema is lenient where models are sloppy but the meaning is clear (severity synonyms and case,
 * numbers sent as strings, `null` for "no replacement"), strict where a wrong value would mislead.
 * Pure: no `vscode` import.
 */
import { z } from 'zod';
import type { JsonSchema } from '../backend/types';

/** How bad a finding is. */
export const severities = ['high', 'medium', 'low'] as const;
export type Severity = (typeof severities)[number];

/** What kind of problem a finding is. */
export const categories = ['bug', 'security', 'performance', 'readability', 'style'] as const;
export type Category = (typeof categories)[number];

const severitySynonyms: Readonly<Record<string, Severity>> = {
  high: 'high',
  critical: 'high',
  blocker: 'high',
  major: 'high',
  severe: 'high',
  error: 'high',
  medium: 'medium',
  moderate: 'medium',
  warning: 'medium',
  warn: 'medium',
  low: 'low',
  minor: 'low',
  info: 'low',
  information: 'low',
  nit: 'low',
  trivial: 'low',
  hint: 'low',
  suggestion: 'low',
};

const categorySynonyms: Readonly<Record<string, Category>> = {
  bug: 'bug',
  bugs: 'bug',
  correctness: 'bug',
  logic: 'bug',
  error: 'bug',
  security: 'security',
  vulnerability: 'security',
  performance: 'performance',
  perf: 'performance',
  efficiency: 'performance',
  readability: 'readability',
  maintainability: 'readability',
  clarity: 'readability',
  style: 'style',
  formatting: 'style',
  naming: 'style',
  convention: 'style',
};

const lowerTrim = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v);

const severitySchema = z.preprocess((v) => {
  const key = lowerTrim(v);
  return typeof key === 'string' ? (severitySynonyms[key] ?? key) : key;
}, z.enum(severities));

const categorySchema = z.preprocess((v) => {
  const key = lowerTrim(v);
  return typeof key === 'string' ? (categorySynonyms[key] ?? key) : key;
}, z.enum(categories));

// A line number: a positive integer, also accepted as a numeric string ("12").
const lineSchema = z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), z.number().int().min(1).max(10_000_000));

/** One finding as the model reports it (before the grounding check). */
export const rawFindingSchema = z
  .object({
    severity: severitySchema,
    category: categorySchema,
    startLine: lineSchema,
    endLine: lineSchema,
    /** The code the finding is about, copied from the selection. */
    quote: z.string().max(20_000),
    explanation: z.string().trim().min(1, 'explanation is empty').max(20_000),
    /** Code that replaces `quote` exactly; absent (or `""`/`null`) when there is no concrete fix. */
    replacement: z
      .string()
      .max(50_000)
      .nullish()
      .transform((v) => (v === null || v === undefined || v.trim() === '' ? undefined : v)),
  })
  .transform((f) => (f.endLine < f.startLine ? { ...f, startLine: f.endLine, endLine: f.startLine } : f));

export type RawFinding = z.infer<typeof rawFindingSchema>;

/** The whole answer to a review request. */
export const reviewAnswerSchema = z.object({
  /** One or two sentences about the code as a whole; may be empty. */
  summary: z
    .string()
    .max(20_000)
    .nullish()
    .transform((v) => v ?? ''),
  findings: z.array(rawFindingSchema).max(200),
});

export type ReviewAnswer = z.infer<typeof reviewAnswerSchema>;

/**
 * The JSON schema sent as `format`. Mirrors {@link reviewAnswerSchema} in its strict form; every property is
 * required and `additionalProperties` is false (OpenAI-style strict mode accepts nothing else).
 */
export const reviewJsonSchema: JsonSchema = {
  type: 'object',
  properties: {
    summary: { type: 'string' },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          severity: { type: 'string', enum: [...severities] },
          category: { type: 'string', enum: [...categories] },
          startLine: { type: 'integer' },
          endLine: { type: 'integer' },
          quote: { type: 'string' },
          explanation: { type: 'string' },
          replacement: { type: 'string' },
        },
        required: ['severity', 'category', 'startLine', 'endLine', 'quote', 'explanation', 'replacement'],
        additionalProperties: false,
      },
    },
  },
  required: ['summary', 'findings'],
  additionalProperties: false,
};

/** Where a grounded finding is, in the selection text and in the document. */
export interface FindingLocation {
  /** Absolute 1-based document lines. */
  readonly startLine: number;
  readonly endLine: number;
  /** Character offsets of the quoted code in the selection text (end exclusive). */
  readonly startOffset: number;
  readonly endOffset: number;
}

/** A finding that passed the grounding check. */
export interface GroundedFinding {
  readonly severity: Severity;
  readonly category: Category;
  readonly explanation: string;
  readonly replacement: string | undefined;
  /** The quote as the model wrote it. */
  readonly quote: string;
  /** The exact selection text the quote matched (whitespace may differ from {@link quote}). */
  readonly matchedText: string;
  readonly location: FindingLocation;
  /** `exact`: the quote is at the lines the model gave; `relocated`: it was found elsewhere in the selection. */
  readonly placement: 'exact' | 'relocated';
  /** The lines the model claimed. */
  readonly claimedStartLine: number;
  readonly claimedEndLine: number;
}

/** A finding dropped by the grounding check, kept for the log and the "N dropped" note. */
export interface DroppedFinding {
  readonly finding: RawFinding;
  readonly reason: 'quoteNotFound' | 'emptyQuote';
}

/** Zod issues as short sentences naming the path, e.g. `findings[2].severity: Invalid option…`. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 12).map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    return `${path === '' ? '(answer)' : path}: ${issue.message}`;
  });
}

