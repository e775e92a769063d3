/**
 * The deterministic checks a test case can carry, as written in a cases file (`type:` names the kind), and the
 * contract every check kind implements. Pure: no `vscode` import.
 */
import { z } from 'zod';

const text = (max: number) => z.string({ error: 'must be text (put it in quotes)' }).max(max, `must be at most ${max} characters`);
const ignoreCase = z.boolean({ error: 'must be true or false' }).optional();

/** Every check kind's options, validated by zod. */
export const checkSpecSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('equals'), value: text(100_000), ignoreCase }).strict(),
    z.object({ type: z.literal('contains'), value: text(10_000).min(1, 'must not be empty'), ignoreCase }).strict(),
    z.object({ type: z.literal('not-contains'), value: text(10_000).min(1, 'must not be empty'), ignoreCase }).strict(),
    z
      .object({
        type: z.literal('regex'),
        pattern: text(1000).min(1, 'must not be empty'),
        flags: z.string().regex(/^[imsu]*$/, 'only the flags i, m, s and u are allowed').optional(),
        /** Pass when the pattern does NOT match. */
        negate: z.boolean().optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal('json'),
        /** A JSON schema the answer must match; without it any valid JSON passes. */
        schema: z.record(z.string(), z.unknown()).optional(),
        /** Accept JSON inside a Markdown fence or after a sentence (promptfoo `contains-json`). */
        embedded: z.boolean().optional(),
      })
      .strict(),
    z.object({ type: z.literal('code-block'), language: text(40).optional() }).strict(),
    z
      .object({
        type: z.literal('length'),
        min: z.number().int().nonnegative().optional(),
        max: z.number().int().positive().optional(),
        unit: z.enum(['chars', 'words', 'lines']).optional(),
      })
      .strict()
      .refine((s) => s.min !== undefined || s.max !== undefined, 'give min, max or both')
      .refine((s) => s.min === undefined || s.max === undefined || s.min <= s.max, 'min must not be above max'),
    z
      .object({
        type: z.literal('finding-at-line'),
        line: z.number().int().positive(),
        /** Lines of slack either side (default 0). */
        tolerance: z.number().int().nonnegative().max(50).optional(),
      })
      .strict(),
    z
      .object({
        type: z.literal('similar'),
        expected: text(100_000),
        /** Least similarity (1 − edit distance / longer length) to pass; 1 (the default) means an exact match. */
        min: z.number().min(0).max(1).optional(),
        /** Compare only the answer's first lines (a completion that runs on past the held-out span). */
        lines: z.number().int().positive().max(1000).optional(),
      })
      .strict(),
  ],
  { error: 'type must be one of equals, contains, not-contains, regex, json, code-block, length, finding-at-line, similar' },
);

/** One check as written in a cases file. */
export type CheckSpec = z.infer<typeof checkSpecSchema>;

/** The kinds of check. */
export type CheckKind = CheckSpec['type'];

/** What one check said about one answer. */
export interface CheckOutcome {
  readonly pass: boolean;
  /** Why, in a few words (shown next to the cell in the results). */
  readonly detail: string;
}

/** A check ready to run: compiled once per suite, run on every answer. */
export interface Check {
  /** Short and unique within its case, e.g. `contains "index"`. */
  readonly label: string;
  run(answer: string): CheckOutcome;
}

/** Compiling a check can fail (an invalid or dangerous regex, a broken schema). */
export type CompiledCheck = { readonly ok: true; readonly check: Check } | { readonly ok: false; readonly error: string };

/** Shortens a value for a label or detail. */
export function quoteShort(value: string, max = 40): string {
  const oneLine = value.replace(/\s+/g, ' ');
  return JSON.stringify(oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`);
}
