/**
 * Shape checks: the answer has a fenced code block (optionally in a given language), and its length is within
 * bounds (characters, words or lines). Pure: no `vscode` import.
 */
import { stripThinking } from '../../review/parseReview';
import type { Check, CheckSpec } from './spec';

/** Languages of the fenced code blocks in a Markdown answer (`''` for a fence without one). */
export function fenceLanguages(answer: string): string[] {
  const languages: string[] = [];
  for (const m of answer.matchAll(/^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*\n[\s\S]*?^ {0,3}\1[`~]*[ \t]*$/gm)) {
    languages.push((m[2] ?? '').toLowerCase());
  }
  return languages;
}

/** A code-block check. */
export function codeBlockCheck(spec: Extract<CheckSpec, { type: 'code-block' }>): Check {
  const wanted = spec.language?.toLowerCase();
  return {
    label: wanted === undefined ? 'has a code block' : `has a ${wanted} code block`,
    run(answer) {
      const languages = fenceLanguages(stripThinking(answer));
      if (languages.length === 0) {
        return { pass: false, detail: 'no fenced code block' };
      }
      if (wanted !== undefined && !languages.includes(wanted)) {
        return { pass: false, detail: `code blocks in ${languages.map((l) => l || 'no language').join(', ')}` };
      }
      return { pass: true, detail: `${languages.length} code block${languages.length === 1 ? '' : 's'}` };
    },
  };
}

function measure(text: string, unit: 'chars' | 'words' | 'lines'): number {
  const t = text.trim();
  if (t === '') {
    return 0;
  }
  return unit === 'chars' ? [...t].length : unit === 'words' ? t.split(/\s+/).length : t.split(/\r?\n/).length;
}

/** An answer-length check. */
export function lengthCheck(spec: Extract<CheckSpec, { type: 'length' }>): Check {
  const unit = spec.unit ?? 'chars';
  const bounds = [spec.min !== undefined ? `≥ ${spec.min}` : '', spec.max !== undefined ? `≤ ${spec.max}` : ''].filter((b) => b !== '').join(' and ');
  return {
    label: `length ${bounds} ${unit}`,
    run(answer) {
      const n = measure(stripThinking(answer), unit);
      const pass = (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
      return { pass, detail: `${n} ${unit}` };
    },
  };
}
