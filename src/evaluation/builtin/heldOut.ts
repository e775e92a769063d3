/**
 * The built-in completion suite on the user's own code: lines of their files held out (from the first
 * non-blank character to the end of the line), the text before as the prompt and the text after as the suffix —
 * a fill-in-the-middle request as inline completion sends it — checked by exact match and by edit similarity on
 * the answer's first line. Deterministic: the same files give the same cases. Pure: no `vscode` import.
 */
import type { CaseSpec } from '../cases';
import type { SourceFile } from './seededBugs';

/** Lines of context before and after the held-out span. */
const prefixLines = 60;
const suffixLines = 20;

/** A line worth completing: code with some substance, not a comment, a brace or an import. */
function worthCompleting(line: string): boolean {
  const t = line.trim();
  return t.length >= 12 && t.length <= 120 && /[A-Za-z_]/.test(t) && !/^(\/\/|\/\*|\*|#|--|import\b|from\b|using\b|package\b|export\s+\*|['"`])/.test(t) && /[A-Za-z_$][\w$]*\s*[(=.:]/.test(t);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}

/** The suite's prompt file (the cases carry their own code; the file names the suite and says how it runs). */
export function heldOutPromptFile(): string {
  return (
    `---\nname: Held-out completions\ndescription: ${JSON.stringify('Inline completion on lines held out of your own files (built-in suite): the code before the cursor is the prompt, the code after it the suffix.')}\n---\n` +
    '${selection}\n'
  );
}

/** Up to `count` cases, at most three per file, spread over the files. */
export function heldOutCompletionCases(files: readonly SourceFile[], count = 30): CaseSpec[] {
  const picks = files.flatMap((file) => {
    const lines = file.text.split('\n');
    return lines
      .map((line, i) => ({ line, i }))
      .filter(({ line, i }) => i >= 3 && i < lines.length - 1 && worthCompleting(line))
      .sort((a, b) => hash(`${file.path}:${a.i}`) - hash(`${file.path}:${b.i}`))
      .slice(0, 3)
      .map(({ line, i }) => ({ file, lines, line, i }));
  });
  const out: CaseSpec[] = [];
  for (const p of picks.sort((a, b) => hash(`${a.file.path}:${a.i}`) - hash(`${b.file.path}:${b.i}`)).slice(0, count)) {
    const indent = /^\s*/.exec(p.line)?.[0] ?? '';
    const expected = p.line.slice(indent.length).replace(/\s+$/, '');
    const before = p.lines.slice(Math.max(0, p.i - prefixLines), p.i).join('\n');
    const after = p.lines.slice(p.i + 1, p.i + 1 + suffixLines).join('\n');
    out.push({
      name: `line ${p.i + 1} of ${p.file.path}`.slice(0, 120),
      selection: `${before}\n${indent}`,
      suffix: `\n${after}`,
      language: p.file.language,
      file: p.file.path,
      checks: [
        { type: 'similar', expected, lines: 1 },
        { type: 'similar', expected, min: 0.8, lines: 1 },
      ],
    });
  }
  return out;
}
