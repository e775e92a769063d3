/**
 * Measuring a request's text for the classifier: fenced code apart from prose, word counts (CJK aware), stack
 * frames, and signal totals, reading long text at its edges only. Pure: no `vscode` import.
 */
import type { Signal } from './classifierSignals';
import { stackFramePatterns } from './classifierSignals';

export function splitFencedCode(text: string): { prose: string; codeLines: number } {
  if (!text.includes('```')) {
    return { prose: text, codeLines: 0 };
  }
  let codeLines = 0;
  const prose = text.replace(/```[^\n]*\n([\s\S]*?)(```|$)/g, (_m, body: string) => {
    codeLines += body.split('\n').filter((l) => l.trim() !== '').length;
    return ' ';
  });
  return { prose, codeLines };
}

/** Longest text the keyword signals read: the first {@link sampleHeadChars} and the last {@link sampleTailChars}. */
export const sampleHeadChars = 16_000;
export const sampleTailChars = 4_000;

export function sampleEdges(text: string): string {
  if (text.length <= sampleHeadChars + sampleTailChars) {
    return text;
  }
  return `${text.slice(0, sampleHeadChars)}\n${text.slice(-sampleTailChars)}`;
}

function isCjk(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);
}

function isSeparator(c: number): boolean {
  // ASCII whitespace and controls, no-break space, CJK and full-width punctuation.
  return c <= 32 || c === 0xa0 || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xffef);
}

function isAlphanumeric(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && !(c >= 0x2000 && c <= 0x2bff));
}

// One pass over the characters: a megabyte of text costs a few milliseconds.
export function countWords(prose: string): number {
  let words = 0;
  let cjk = 0;
  let wordHasAlphanumeric = false;
  for (let i = 0; i < prose.length; i++) {
    const c = prose.charCodeAt(i);
    if (isCjk(c) || isSeparator(c)) {
      if (isCjk(c)) {
        cjk++;
      }
      if (wordHasAlphanumeric) {
        words++;
      }
      wordHasAlphanumeric = false;
    } else if (isAlphanumeric(c)) {
      wordHasAlphanumeric = true;
    }
  }
  if (wordHasAlphanumeric) {
    words++;
  }
  return words + Math.round(cjk / 2);
}

export function countStackFrames(text: string): number {
  let frames = 0;
  for (const p of stackFramePatterns) {
    frames += text.match(p)?.length ?? 0;
  }
  return frames;
}

export function sumSignals(signals: readonly Signal[], text: string, seen: string[]): number {
  let total = 0;
  for (const sig of signals) {
    if (sig.pattern.test(text)) {
      total += sig.weight;
      seen.push(sig.label);
    }
  }
  return total;
}
