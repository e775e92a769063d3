/**
 * The strict text format for servers without structured output. Code goes between `<<<` and `>>>` lines,
 * so it never needs escaping:
 *
 *     SUMMARY: one sentence
 *     FINDING
 *     severity: medium
 *     category: bug
 *     lines: 12-14
 *     quote:
 *     <<<
 *     if (a = b) {
 *     >>>
 *     explanation: Assignment instead of comparison.
 *     replacement:
 *     <<<
 *     if (a === b) {
 *     >>>
 *     END FINDING
 *
 * or `NO FINDINGS` (after the summary). Parsed into the same {@link ReviewAnswer} as JSON and validated by the
 * same zod schema. Pure: no `vscode` import.
 */
import { describeIssues, reviewAnswerSchema } from './findings';
import type { ReviewAnswer } from './findings';

/** The instructions that describe the format to the model. */
export const textFormatInstructions = [
  'Answer in this exact plain-text format and nothing else (no JSON, no Markdown):',
  'SUMMARY: <one sentence about the code as a whole>',
  'FINDING',
  'severity: high | medium | low',
  'category: bug | security | performance | readability | style',
  'lines: <first>-<last>   (the line numbers shown in the gutter)',
  'quote:',
  '<<<',
  '<the exact code the finding is about, copied from the selection>',
  '>>>',
  'explanation: <why it is a problem, one or two sentences>',
  'replacement:',
  '<<<',
  '<code that replaces the quoted code exactly; leave empty if there is no concrete fix>',
  '>>>',
  'END FINDING',
  'Repeat FINDING … END FINDING for each finding. If there is nothing to report, write NO FINDINGS after the summary.',
].join('\n');

/** True when a text uses the format (a FINDING block or NO FINDINGS). */
export function looksLikeTextFormat(text: string): boolean {
  return /^\s*(FINDING|NO FINDINGS)\s*$/m.test(text);
}

type Parsed = { readonly kind: 'review'; readonly answer: ReviewAnswer } | { readonly kind: 'invalid'; readonly problems: readonly string[] };

/** Parses the text format (see the module comment). */
export function parseTextFormat(text: string): Parsed {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let summary = '';
  const findings: Record<string, unknown>[] = [];
  const problems: string[] = [];
  let current: Record<string, unknown> | undefined;
  let lastKey: string | undefined;

  const close = (): void => {
    if (current !== undefined) {
      findings.push(current);
    }
    current = undefined;
    lastKey = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed === 'FINDING') {
      close();
      current = {};
      continue;
    }
    if (trimmed === 'END FINDING' || trimmed === 'END') {
      close();
      continue;
    }
    if (trimmed === 'NO FINDINGS') {
      close();
      continue;
    }
    const summaryMatch = /^SUMMARY:\s*(.*)$/.exec(trimmed);
    if (summaryMatch !== null && current === undefined) {
      summary = summaryMatch[1] ?? '';
      continue;
    }
    if (current === undefined) {
      continue;
    }
    const kv = /^(severity|category|lines|quote|explanation|replacement)\s*:\s*(.*)$/i.exec(trimmed);
    if (kv !== null) {
      const key = (kv[1] ?? '').toLowerCase();
      const value = kv[2] ?? '';
      lastKey = key;
      if (key === 'quote' || key === 'replacement') {
        if (value !== '' && value !== '<<<') {
          current[key] = value;
          continue;
        }
        // The block starts on this line (`quote: <<<`) or the next one.
        let j = value === '<<<' ? i + 1 : i + 1;
        if (value !== '<<<') {
          while (j < lines.length && (lines[j] ?? '').trim() === '') {
            j++;
          }
          if ((lines[j] ?? '').trim() !== '<<<') {
            current[key] = '';
            continue;
          }
          j++;
        }
        const block: string[] = [];
        while (j < lines.length && (lines[j] ?? '').trim() !== '>>>') {
          block.push(lines[j] ?? '');
          j++;
        }
        if (j >= lines.length) {
          problems.push(`finding ${findings.length + 1}: the ${key} block has no closing >>> line`);
        }
        current[key] = block.join('\n');
        i = j;
        continue;
      }
      if (key === 'lines') {
        const m = /^(\d+)\s*(?:[-–]\s*(\d+))?/.exec(value);
        if (m === null) {
          problems.push(`finding ${findings.length + 1}: "lines: ${value}" is not a line range such as 12-14`);
        } else {
          current.startLine = Number(m[1]);
          current.endLine = Number(m[2] ?? m[1]);
        }
        continue;
      }
      current[key] = value;
      continue;
    }
    // A continuation line of the explanation.
    if (lastKey === 'explanation' && trimmed !== '') {
      current.explanation = `${typeof current.explanation === 'string' ? current.explanation : ''} ${trimmed}`.trim();
    }
  }
  close();
  if (problems.length > 0) {
    return { kind: 'invalid', problems };
  }
  const parsed = reviewAnswerSchema.safeParse({ summary, findings });
  if (!parsed.success) {
    return { kind: 'invalid', problems: describeIssues(parsed.error) };
  }
  return { kind: 'review', answer: parsed.data };
}
