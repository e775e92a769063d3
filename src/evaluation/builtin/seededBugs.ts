/**
 * The built-in review suite on the user's own code: functions copied from their files, each with one bug planted
 * (a loop bound off by one, a comparison inverted, `&&` turned into `||`, `+ 1` into `- 1`, an `await` dropped), and
 * a case expecting a finding at the planted line. The copies are numbered like the Review command's selection (a
 * "12 | " gutter), and the prompt is the Review command's own instructions, so the suite measures what Review does.
 * Deterministic: the same files give the same cases. Pure: no `vscode` import.
 */
import { withGutter, reviewInstructions } from '../../review/prompts';
import type { CaseSpec } from '../cases';

/** A source file to draw functions from (sensitive files are left out by the caller). */
export interface SourceFile {
  /** Workspace-relative path, shown in case names. */
  readonly path: string;
  readonly text: string;
  readonly language: string;
}

/** One kind of planted bug: a line that matches `find` becomes `replace`d. */
interface Mutation {
  readonly name: string;
  readonly find: RegExp;
  readonly replace: string;
}

/** The bugs planted, tried in this order on each line of a function's body. */
const mutations: readonly Mutation[] = [
  { name: 'loop bound off by one', find: /(\bfor\s*\([^;]*;\s*\w+(?:\.\w+)?\s*)<(\s*[^=;][^;]*;)/, replace: '$1<=$2' },
  { name: 'inverted comparison', find: /([^=!<>])===([^=])/, replace: '$1!==$2' },
  { name: 'inverted comparison', find: /([^=!<>])!==([^=])/, replace: '$1===$2' },
  { name: 'and turned into or', find: /\s&&\s/, replace: ' || ' },
  { name: 'plus one turned into minus one', find: /\+ 1\b/, replace: '- 1' },
  { name: 'await dropped', find: /\bawait\s+/, replace: '' },
  { name: 'boundary moved', find: /(\w\s*)>=(\s*\w)/, replace: '$1>$2' },
  { name: 'boundary moved', find: /(\w\s*)<=(\s*\w)/, replace: '$1<$2' },
];

/** The languages whose functions are found by braces. */
const braceLanguages: ReadonlySet<string> = new Set(['typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'java', 'c', 'cpp', 'csharp', 'go', 'rust', 'kotlin', 'swift', 'php', 'scala', 'dart']);

/** A line that opens a function or method body (the brace at its end). */
const functionStart = /^\s*(export\s+)?(default\s+)?(public\s+|private\s+|protected\s+|static\s+|async\s+|override\s+)*(function\b[^(]*|[\w$]+\s*=\s*(async\s*)?\([^)]*\)\s*(:\s*[^=]+)?=>|func\b[^(]*|fn\b[^(]*|[\w$<>[\],\s]+\s[\w$]+|[\w$]+)\s*\([^;]*\)[^;{]*\{\s*$/;

/** Functions of 4 to 60 lines, with the 1-based line of their first line in the file. */
export function extractFunctions(file: SourceFile): { readonly text: string; readonly name: string; readonly line: number }[] {
  if (!braceLanguages.has(file.language)) {
    return [];
  }
  const lines = file.text.split('\n');
  const out: { text: string; name: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? '';
    if (!functionStart.test(first) || /^\s*(if|for|while|switch|catch|else)\b/.test(first)) {
      continue;
    }
    let depth = 0;
    let end = -1;
    for (let j = i; j < lines.length && j < i + 60; j++) {
      // Braces in strings and comments are rare enough in function bodies that counting them all is good enough.
      for (const c of lines[j] ?? '') {
        depth += c === '{' ? 1 : c === '}' ? -1 : 0;
      }
      if (depth <= 0) {
        end = j;
        break;
      }
    }
    if (end - i + 1 >= 4) {
      const name = /([\w$]+)\s*(=\s*(async\s*)?)?\(/.exec(first.replace(/^\s*(export|default|public|private|protected|static|async|function|func|fn|override)\s+/g, ''))?.[1] ?? `line ${i + 1}`;
      out.push({ text: lines.slice(i, end + 1).join('\n'), name, line: i + 1 });
      i = end;
    }
  }
  return out;
}

/** Plants the first bug that fits a line of the body (never the signature); the 1-based line in the copy. */
export function plantBug(code: string): { readonly text: string; readonly line: number; readonly bug: string } | undefined {
  const lines = code.split('\n');
  for (const m of mutations) {
    for (let i = 1; i < lines.length - 1; i++) {
      const line = lines[i] ?? '';
      if (/^\s*(\/\/|\*|#)/.test(line) || !m.find.test(line)) {
        continue;
      }
      const changed = line.replace(m.find, m.replace);
      if (changed !== line) {
        const copy = [...lines];
        copy[i] = changed;
        return { text: copy.join('\n'), line: i + 1, bug: m.name };
      }
    }
  }
  return undefined;
}

/** A small stable hash, to spread the picked functions over the files without randomness. */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  }
  return h >>> 0;
}

/** The suite's prompt file: the Review command's instructions, the numbered copy as the selection. */
export function seededBugsPromptFile(): string {
  return `---\nname: Seeded bugs\ndescription: Review on copies of your own functions with one bug planted in each (built-in suite).\n---\n${reviewInstructions('json')}\n\nReview the selected code. Answer with the JSON object only.\n`;
}

/** Up to `count` cases, at most two per file, spread over the files. */
export function seededBugCases(files: readonly SourceFile[], count = 20): CaseSpec[] {
  const candidates = files.flatMap((file) =>
    extractFunctions(file)
      .map((fn) => ({ file, fn, planted: plantBug(fn.text) }))
      .filter((c) => c.planted !== undefined)
      .sort((a, b) => hash(`${file.path}:${a.fn.line}`) - hash(`${file.path}:${b.fn.line}`))
      .slice(0, 2),
  );
  const names = new Set<string>();
  const out: CaseSpec[] = [];
  for (const c of candidates.sort((a, b) => hash(`${a.file.path}:${a.fn.line}`) - hash(`${b.file.path}:${b.fn.line}`))) {
    const planted = c.planted;
    if (planted === undefined || out.length >= count) {
      continue;
    }
    let name = `${planted.bug} in ${c.fn.name} (${c.file.path}:${c.fn.line})`.slice(0, 120);
    while (names.has(name.toLowerCase())) {
      name = `${name.slice(0, 115)} #${names.size}`;
    }
    names.add(name.toLowerCase());
    out.push({
      name,
      selection: withGutter(planted.text, 1),
      language: c.file.language,
      file: c.file.path,
      checks: [{ type: 'finding-at-line', line: planted.line, tolerance: 1 }],
    });
  }
  return out;
}
