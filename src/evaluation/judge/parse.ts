/**
 * Reading a judge's answer: JSON verdicts (also inside a fence or after chatter), or numbered `1. YES — reason`
 * lines. Whatever cannot be read — gibberish, a refusal, a criterion left out, two contradicting verdicts — is
 * recorded as "judge failed" for that criterion, never as a pass. Pure: no `vscode` import.
 */
import { z } from 'zod';
import { extractJsonObject, looksLikeRefusal, stripThinking } from '../../review/parseReview';

/** The judgment of one criterion. */
export interface Verdict {
  readonly criterion: string;
  /** `judge-failed`: no usable judgment (counted apart from pass and fail). */
  readonly status: 'pass' | 'fail' | 'judge-failed';
  readonly reason: string;
}

const yesNo = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['yes', 'no', 'pass', 'fail', 'true', 'false']))
    .transform((v) => v === 'yes' || v === 'pass' || v === 'true'),
]);

const verdictSchema = z.object({
  criterion: z.coerce.number().int().positive(),
  pass: yesNo.optional(),
  verdict: yesNo.optional(),
  answer: yesNo.optional(),
  reason: z.string().max(5000).optional(),
});

const answerSchema = z.union([z.object({ verdicts: z.array(z.unknown()).max(100) }), z.array(z.unknown()).max(100).transform((verdicts) => ({ verdicts }))]);

interface Raw {
  readonly index: number;
  readonly pass: boolean;
  readonly reason: string;
}

function shorten(text: string, max = 200): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

function fromJson(text: string): Raw[] | undefined {
  const trimmed = text.trim();
  const candidates = [/^```\w*\n([\s\S]*?)\n```$/.exec(trimmed)?.[1], trimmed, extractJsonObject(trimmed)];
  for (const candidate of candidates) {
    if (candidate === undefined) {
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const parsed = answerSchema.safeParse(value);
    if (!parsed.success) {
      continue;
    }
    const raws: Raw[] = [];
    for (const item of parsed.data.verdicts) {
      const v = verdictSchema.safeParse(item);
      const pass = v.success ? (v.data.pass ?? v.data.verdict ?? v.data.answer) : undefined;
      if (v.success && pass !== undefined) {
        raws.push({ index: v.data.criterion, pass, reason: shorten(v.data.reason ?? '') });
      }
    }
    return raws;
  }
  return undefined;
}

const linePattern = /^\s*(?:[-*]\s*)?(?:\*\*)?(?:criterion\s*)?(\d{1,3})\s*[.):\]-]?\s*(?:\*\*)?\s*[:\-–—]?\s*(?:\*\*)?(yes|no|pass|fail)\b(?:\*\*)?[\s:.,\-–—]*(.*)$/i;

function fromLines(text: string): Raw[] {
  const raws: Raw[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = linePattern.exec(line);
    if (m !== null) {
      const word = (m[2] ?? '').toLowerCase();
      raws.push({ index: Number(m[1]), pass: word === 'yes' || word === 'pass', reason: shorten(m[3] ?? '') });
    }
  }
  return raws;
}

/** Every criterion marked judge-failed with one reason. */
export function allFailed(criteria: readonly string[], reason: string): Verdict[] {
  return criteria.map((criterion) => ({ criterion, status: 'judge-failed', reason }));
}

/** Reads a judge's answer into one verdict per criterion, in order. Never throws. */
export function parseJudgeAnswer(raw: string, criteria: readonly string[]): Verdict[] {
  const text = stripThinking(raw).trim();
  if (text === '') {
    return allFailed(criteria, "the judge's answer is empty");
  }
  const raws = fromJson(text) ?? fromLines(text);
  if (raws.length === 0) {
    return looksLikeRefusal(text)
      ? allFailed(criteria, `the judge refused: ${shorten(text, 120)}`)
      : allFailed(criteria, `the judge's answer could not be read (it begins: "${shorten(text, 80)}")`);
  }
  return criteria.map((criterion, i): Verdict => {
    const mine = raws.filter((r) => r.index === i + 1);
    const first = mine[0];
    if (first === undefined) {
      return { criterion, status: 'judge-failed', reason: 'the judge gave no verdict for this criterion' };
    }
    if (mine.some((r) => r.pass !== first.pass)) {
      return { criterion, status: 'judge-failed', reason: 'the judge answered both yes and no' };
    }
    return { criterion, status: first.pass ? 'pass' : 'fail', reason: first.reason === '' ? '(no reason given)' : first.reason };
  });
}
