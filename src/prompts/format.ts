/**
 * The prompt file format: Markdown with a YAML front-matter header, then the prompt body.
 *
 * ```markdown
 * ---
 * name: Explain for a newcomer
 * description: Explains the selected code step by step
 * tier: code            # small | code | moe | auto (default auto)
 * model: qwen2.5-coder:7b   # optional
 * variables:            # optional: named inputs, asked at run time
 *   audience:
 *     description: Who will read the explanation
 *     default: a new team member
 * ---
 * Explain this ${language} code to ${input:audience}.
 * ```
 *
 * Parsing never throws: a malformed file gives problems with file, line and what is wrong. The front matter is
 * treated as hostile: size-capped, no aliases (no "billion laughs"), no `__proto__`/`constructor`/`prototype` keys,
 * every value type-checked by zod. Pure: no `vscode` import.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { tierSchema } from '../settings/schema';
import { findReferences, isValidVariableName } from './variables';
import type { PromptDefinition, PromptParseResult, PromptProblem, PromptVariable } from './types';

/** A prompt file larger than this is not read at all. */
export const maxPromptFileBytes = 512 * 1024;
/** The front matter is capped well below the file size: it is a header, not a data store. */
export const maxFrontMatterChars = 16 * 1024;
/** Longest accepted prompt name. */
export const maxNameLength = 80;
const maxVariables = 50;
/** Deeper flow nesting (`[[[…`) is refused before the YAML parser sees it (its composer recurses). */
const maxFlowDepth = 32;
/** A broken file reports its first few problems, not thousands. */
const maxProblems = 8;

/**
 * File name ending of prompt files. Not `.prompt.md`: VS Code 1.100 claims that for its own "Prompt" language and
 * checks the front matter with its own rules (see `migration.ts`).
 */
export const promptFileExtension = '.tiered.md';
/** What prompt files were called before; still imported, and migrated to {@link promptFileExtension}. */
export const legacyPromptFileExtension = '.prompt.md';

const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const nameSchema = z
  .string({ error: 'must be text (put it in quotes if it looks like a number or a date)' })
  .trim()
  .min(1, 'must not be empty')
  .max(maxNameLength, `must be at most ${maxNameLength} characters`)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line without control characters');

const text = (max: number) => z.string({ error: 'must be text (put it in quotes)' }).max(max, `must be at most ${max} characters`);

const variableSchema = z.union([
  // Shorthand: `audience: Who reads it`.
  text(500).transform((description) => ({ description, default: undefined })),
  z
    .object({
      description: text(500).optional(),
      default: z.union([text(10_000), z.number(), z.boolean()]).optional(),
    })
    .strict(),
]);

/** The front matter, as zod sees it. Unknown keys are reported as warnings (not errors), for forward compatibility. */
const frontMatterSchema = z.object({
  name: nameSchema.optional(),
  description: text(1000).optional(),
  tier: z.enum([...tierSchema.options, 'auto'], { error: 'must be one of small, code, moe, auto' }).optional(),
  model: text(200).trim().optional(),
  variables: z
    .record(z.string(), variableSchema, { error: 'must be a map of input names to descriptions' })
    .optional()
    .refine((v) => v === undefined || Object.keys(v).length <= maxVariables, `at most ${maxVariables} variables`),
});

const knownKeys: ReadonlySet<string> = new Set(['name', 'description', 'tier', 'model', 'variables']);

interface Split {
  /** Front matter text (without the `---` lines), or undefined when the file has none. */
  readonly frontMatter: string | undefined;
  /** 0-based line of the first front-matter line. */
  readonly frontMatterLine: number;
  readonly body: string;
  /** 0-based line where the body starts. */
  readonly bodyLine: number;
  /** Set when an opening `---` has no closing line. */
  readonly unclosed: boolean;
}

/** Splits `---\n<yaml>\n---\n<body>`. A file that does not start with `---` has no front matter. */
export function splitFrontMatter(source: string): Split {
  const textNoBom = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const lines = textNoBom.split(/\r?\n/);
  if ((lines[0] ?? '').trimEnd() !== '---') {
    return { frontMatter: undefined, frontMatterLine: 0, body: textNoBom, bodyLine: 0, unclosed: false };
  }
  for (let i = 1; i < lines.length; i++) {
    const l = (lines[i] ?? '').trimEnd();
    if (l === '---' || l === '...') {
      return {
        frontMatter: lines.slice(1, i).join('\n'),
        frontMatterLine: 1,
        body: lines.slice(i + 1).join('\n'),
        bodyLine: i + 1,
        unclosed: false,
      };
    }
  }
  return { frontMatter: undefined, frontMatterLine: 1, body: '', bodyLine: lines.length, unclosed: true };
}

/** The base name of a prompt file without its extension, used as the name when the front matter has none. */
export function nameFromFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.(prompt|tiered)\.md$/i, '').replace(/\.(prompt|md)$/i, '') || base;
}

/** A file-system-safe slug for a prompt name, e.g. `Write Tests!` → `write-tests`. */
export function slugForName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  // Windows reserved device names must not become file names.
  return slug === '' || /^(con|prn|aux|nul|com\d|lpt\d)$/.test(slug) ? `prompt${slug === '' ? '' : `-${slug}`}` : slug;
}

/** Names are compared case-insensitively, ignoring surrounding spaces. */
export function nameKey(name: string): string {
  return name.trim().toLocaleLowerCase('en-US');
}

function problem(file: string, line: number, column: number, message: string, severity: PromptProblem['severity'] = 'error'): PromptProblem {
  return { file, line, column, message, severity };
}

/** Finds a forbidden key anywhere in a plain JS value (as built by `yaml`'s toJS). */
function findForbiddenKey(value: unknown, path: (string | number)[] = [], depth = 0): (string | number)[] | undefined {
  if (depth > 20 || value === null || typeof value !== 'object') {
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findForbiddenKey(value[i], [...path, i], depth + 1);
      if (found) {
        return found;
      }
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (forbiddenKeys.has(key)) {
      return [...path, key];
    }
    const found = findForbiddenKey(Reflect.get(value, key), [...path, key], depth + 1);
    if (found) {
      return found;
    }
  }
  return undefined;
}

/**
 * Parses a prompt file. `file` labels problems. When the front matter has no name, `fallbackName` (usually the
 * file's base name) is used. Never throws.
 */
export function parsePromptFile(source: string, file: string, fallbackName = nameFromFileName(file)): PromptParseResult {
  try {
    const result = parseUnsafe(source, file, fallbackName);
    return result.ok ? result : { ok: false, problems: capProblems(result.problems) };
  } catch (error) {
    // The YAML library may throw on pathological input (e.g. nesting deep enough to exhaust the stack).
    return { ok: false, problems: [problem(file, 1, 1, `front matter could not be read: ${error instanceof Error ? error.message : String(error)}`)] };
  }
}

function parseUnsafe(source: string, file: string, fallbackName: string): PromptParseResult {
  if (source.length > maxPromptFileBytes) {
    return { ok: false, problems: [problem(file, 1, 1, `the file is too large (${source.length} characters; at most ${maxPromptFileBytes})`)] };
  }
  const split = splitFrontMatter(source);
  if (split.unclosed) {
    return { ok: false, problems: [problem(file, 1, 1, 'the front matter starts with "---" but has no closing "---" line')] };
  }
  const problems: PromptProblem[] = [];
  let data: unknown = {};
  const lineCounter = new LineCounter();
  let locate: (path: readonly PropertyKey[]) => { line: number; column: number } = () => ({ line: split.frontMatterLine + 1, column: 1 });

  if (split.frontMatter !== undefined) {
    if (split.frontMatter.length > maxFrontMatterChars) {
      return { ok: false, problems: [problem(file, 2, 1, `the front matter is too large (${split.frontMatter.length} characters; at most ${maxFrontMatterChars})`)] };
    }
    const depth = flowDepth(split.frontMatter);
    if (depth > maxFlowDepth) {
      return { ok: false, problems: [problem(file, 2, 1, `front matter: nested too deeply (${depth} levels of brackets; at most ${maxFlowDepth})`)] };
    }
    const doc = parseDocument(split.frontMatter, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, stringKeys: true });
    const at = (offset: number): { line: number; column: number } => {
      const pos = lineCounter.linePos(offset);
      return { line: pos.line + split.frontMatterLine, column: pos.col };
    };
    for (const e of doc.errors) {
      const pos = at(e.pos[0]);
      problems.push(problem(file, pos.line, pos.column, `front matter: ${firstLine(e.message)}`));
    }
    for (const w of doc.warnings) {
      const pos = at(w.pos[0]);
      problems.push(problem(file, pos.line, pos.column, `front matter: ${firstLine(w.message)}`, 'warning'));
    }
    if (problems.some((p) => p.severity === 'error')) {
      return { ok: false, problems };
    }
    const rangeStart = (node: unknown): number | undefined => {
      const range = node !== null && typeof node === 'object' && 'range' in node ? node.range : undefined;
      return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
    };
    locate = (path) => {
      // Point at the key of the offending entry (its line is where a person looks), walking up when it is not found.
      const keys = path.filter((k): k is string | number => typeof k !== 'symbol');
      for (let n = keys.length; n > 0; n--) {
        const parent: unknown = n === 1 ? doc.contents : doc.getIn(keys.slice(0, n - 1), true);
        const last = keys[n - 1];
        if (isMap(parent)) {
          const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(last));
          const start = pair !== undefined ? (rangeStart(pair.key) ?? rangeStart(pair.value)) : undefined;
          if (start !== undefined) {
            return at(start);
          }
        } else if (isSeq(parent) && typeof last === 'number') {
          const start = rangeStart(parent.items[last]);
          if (start !== undefined) {
            return at(start);
          }
        }
      }
      const start = rangeStart(doc.contents);
      return start !== undefined ? at(start) : { line: split.frontMatterLine + 1, column: 1 };
    };
    try {
      // Aliases are refused outright: they are the "billion laughs" vector and a prompt header never needs them.
      data = doc.toJS({ maxAliasCount: 0 }) ?? {};
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const aliasMessage = /alias/i.test(message) ? 'anchors and aliases (*name) are not allowed in prompt front matter' : message;
      return { ok: false, problems: [...problems, problem(file, split.frontMatterLine + 1, 1, `front matter: ${aliasMessage}`)] };
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      return { ok: false, problems: [...problems, problem(file, split.frontMatterLine + 1, 1, 'front matter must be a map of keys (name, description, tier, model, variables)')] };
    }
    const forbidden = findForbiddenKey(data);
    if (forbidden) {
      const pos = locate(forbidden);
      return { ok: false, problems: [...problems, problem(file, pos.line, pos.column, `front matter: the key "${String(forbidden[forbidden.length - 1])}" is not allowed`)] };
    }
    for (const key of Object.keys(data)) {
      if (!knownKeys.has(key)) {
        const pos = locate([key]);
        problems.push(problem(file, pos.line, pos.column, `front matter: unknown key "${key}" is ignored`, 'warning'));
      }
    }
  }

  const parsed = frontMatterSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const pos = locate(issue.path);
      const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
      problems.push(problem(file, pos.line, pos.column, `front matter: ${where}${issue.message}`));
    }
    return { ok: false, problems };
  }
  const fm = parsed.data;

  const variables: PromptVariable[] = [];
  for (const [name, v] of Object.entries(fm.variables ?? {})) {
    if (!isValidVariableName(name)) {
      const pos = locate(['variables', name]);
      problems.push(problem(file, pos.line, pos.column, `front matter: variables: "${name}" is not a valid input name (letters, digits, _ and -; starting with a letter)`));
      continue;
    }
    variables.push({
      name,
      description: v.description ?? '',
      ...(v.default !== undefined ? { default: String(v.default) } : {}),
    });
  }

  const leading = /^\s*\n/.exec(split.body)?.[0] ?? '';
  const body = split.body.slice(leading.length).trimEnd();
  const bodyStart = split.bodyLine + countNewlines(leading);
  if (body.trim() === '') {
    problems.push(problem(file, split.bodyLine + 1, 1, 'the prompt body is empty'));
  }
  if (problems.some((p) => p.severity === 'error')) {
    return { ok: false, problems };
  }

  // Doubtful but usable: unknown `${…}` are sent as they are.
  for (const ref of findReferences(body, variables.map((v) => v.name))) {
    if (ref.kind === 'unknown') {
      const before = body.slice(0, ref.offset);
      const line = bodyStart + countNewlines(before) + 1;
      const column = ref.offset - before.lastIndexOf('\n');
      problems.push(problem(file, line, column, `unknown variable \${${ref.raw}} is sent as written (write $\${…} for a literal)`, 'warning'));
    }
  }

  const prompt: PromptDefinition = {
    name: fm.name ?? fallbackName.trim().slice(0, maxNameLength),
    description: fm.description?.trim() ?? '',
    tier: fm.tier ?? 'auto',
    ...(fm.model !== undefined && fm.model !== '' ? { model: fm.model } : {}),
    variables,
    body,
  };
  if (prompt.name === '') {
    return { ok: false, problems: [...problems, problem(file, 1, 1, 'the prompt has no name')] };
  }
  return { ok: true, prompt, problems };
}

/** Deepest bracket nesting, ignoring quoting (an over-estimate is fine: the cap is far above real headers). */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      depth++;
      max = Math.max(max, depth);
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth--;
    }
  }
  return max;
}

/** Keeps the first problems and says how many more there were. */
function capProblems(problems: readonly PromptProblem[]): PromptProblem[] {
  if (problems.length <= maxProblems) {
    return [...problems];
  }
  const kept = problems.slice(0, maxProblems);
  const last = kept[kept.length - 1];
  return [...kept, problem(last?.file ?? '', last?.line ?? 1, last?.column ?? 1, `… and ${problems.length - maxProblems} more problems`, 'error')];
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) {
    n++;
  }
  return n;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

/**
 * Writes a definition as a prompt file. `parsePromptFile(serializePrompt(p))` gives `p` back. `comment` lines
 * (help for a new file) go into the front matter as YAML comments, so they are never sent to a model.
 */
export function serializePrompt(prompt: PromptDefinition, comment?: string): string {
  // Ordered keys, only what is set, so hand-written and saved files look alike.
  const header = new Map<string, unknown>();
  header.set('name', prompt.name);
  if (prompt.description !== '') {
    header.set('description', prompt.description);
  }
  header.set('tier', prompt.tier);
  if (prompt.model !== undefined && prompt.model !== '') {
    header.set('model', prompt.model);
  }
  if (prompt.variables.length > 0) {
    const vars = new Map<string, unknown>();
    for (const v of prompt.variables) {
      const entry = new Map<string, string>();
      entry.set('description', v.description);
      if (v.default !== undefined) {
        entry.set('default', v.default);
      }
      vars.set(v.name, entry);
    }
    header.set('variables', vars);
  }
  const yaml = stringify(header, { lineWidth: 0 }).trimEnd();
  const notes =
    comment === undefined
      ? ''
      : `${comment
          .split(/\r?\n/)
          .map((l) => `# ${l}`.trimEnd())
          .join('\n')}\n`;
  return `---\n${yaml}\n${notes}---\n${prompt.body.trimEnd()}\n`;
}
