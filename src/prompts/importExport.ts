/**
 * Import and export. Formats read:
 * - our own `.prompt.md` files (see `format.ts`);
 * - `.prompt.md` files of other assistants (GitHub Copilot: front matter `description`, `name`, `mode`/`agent`,
 *   `model`, `tools`, `argument-hint`; variables `${selection}`, `${input:name:placeholder}`… which we share);
 * - Continue `.prompt` files: an optional YAML preamble (`name`, `description`, `version`), a `---` line, then the
 *   body with Handlebars variables such as `{{{ input }}}`, mapped to ours;
 * - our JSON bundle (`{ "format": "tiered-prompts", "version": 1, "prompts": [...] }`), validated with zod.
 * Everything imported becomes a {@link PromptDefinition} validated like a hand-written file. Importing never
 * writes: {@link planImport} splits candidates into new ones and conflicts, and the caller decides.
 * Pure: no `vscode` import.
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { tierSchema } from '../settings/schema';
import { maxNameLength, maxPromptFileBytes, nameFromFileName, nameKey, parsePromptFile, serializePrompt, splitFrontMatter } from './format';
import { isValidVariableName } from './variables';
import type { PromptDefinition, PromptProblem } from './types';

/** A prompt ready to import, with notes about what was mapped or dropped. */
export interface ImportCandidate {
  readonly prompt: PromptDefinition;
  /** Where it came from (file name, or `bundle.json#3`). */
  readonly origin: string;
  readonly notes: readonly string[];
}

/** The outcome of reading one import file. */
export interface ImportReadResult {
  readonly candidates: readonly ImportCandidate[];
  /** Why (parts of) the file could not be imported. */
  readonly problems: readonly PromptProblem[];
}

/** Which format a file is, from its name and content. */
export type ImportFormat = 'tiered' | 'copilot' | 'continue' | 'bundle';

export function detectFormat(fileName: string, text: string): ImportFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) {
    return 'bundle';
  }
  if (lower.endsWith('.prompt')) {
    return 'continue';
  }
  if (text.trimStart().startsWith('{')) {
    return 'bundle';
  }
  const split = splitFrontMatter(text);
  if (split.frontMatter !== undefined && /^(mode|agent|tools|argument-hint)\s*:/m.test(split.frontMatter)) {
    return 'copilot';
  }
  return 'tiered';
}

/** Reads one file in any supported format. Never throws. */
export function readImportFile(fileName: string, text: string): ImportReadResult {
  if (text.length > 20 * maxPromptFileBytes) {
    return { candidates: [], problems: [fail(fileName, 1, `the file is too large to import (${text.length} characters)`)] };
  }
  switch (detectFormat(fileName, text)) {
    case 'bundle':
      return readBundle(fileName, text);
    case 'continue':
      return readContinue(fileName, text);
    case 'copilot':
      return readCopilot(fileName, text);
    case 'tiered': {
      const parsed = parsePromptFile(text, fileName);
      return parsed.ok
        ? { candidates: [{ prompt: parsed.prompt, origin: fileName, notes: parsed.problems.map((p) => `line ${p.line}: ${p.message}`) }], problems: [] }
        : { candidates: [], problems: parsed.problems };
    }
  }
}

function fail(file: string, line: number, message: string): PromptProblem {
  return { file, line, column: 1, message, severity: 'error' };
}

function baseName(fileName: string): string {
  return fileName.split(/[\\/]/).pop() ?? fileName;
}

// ---------------------------------------------------------------- Copilot `.prompt.md`

/** Copilot front-matter keys with no meaning here; dropped with a note. */
const copilotOnlyKeys = ['mode', 'agent', 'tools', 'argument-hint'];

function readCopilot(fileName: string, text: string): ImportReadResult {
  const split = splitFrontMatter(text);
  const notes: string[] = [];
  let stripped = text;
  if (split.frontMatter !== undefined) {
    // Drop the Copilot-only keys (top-level lines and their indented continuation), then parse as our format.
    const lines = split.frontMatter.split('\n');
    const kept: string[] = [];
    let skipping = false;
    for (const line of lines) {
      const key = /^([\w-]+)\s*:/.exec(line)?.[1];
      if (key !== undefined) {
        skipping = copilotOnlyKeys.includes(key);
        if (skipping) {
          notes.push(`"${key}" is a GitHub Copilot setting with no equivalent here; dropped`);
        }
      }
      if (!skipping) {
        kept.push(line);
      }
    }
    stripped = `---\n${kept.join('\n')}\n---\n${split.body}`;
  }
  const parsed = parsePromptFile(stripped, fileName, nameFromFileName(baseName(fileName)));
  if (!parsed.ok) {
    return { candidates: [], problems: parsed.problems };
  }
  const body = parsed.prompt.body;
  if (/#file:|#codebase|#fetch|#\w+:/.test(body)) {
    notes.push('"#file:"/"#tool" references are Copilot features; they are sent as plain text');
  }
  return { candidates: [{ prompt: parsed.prompt, origin: fileName, notes: [...notes, ...parsed.problems.map((p) => p.message)] }], problems: [] };
}

// ---------------------------------------------------------------- Continue `.prompt`

const continuePreambleSchema = z.object({
  name: z.string().trim().min(1).max(maxNameLength).optional(),
  description: z.string().max(1000).optional(),
  version: z.union([z.string(), z.number()]).optional(),
});

/** Handlebars variables Continue fills, mapped to ours. Anything else becomes a named input. */
const continueVariableMap: Readonly<Record<string, string>> = {
  input: '${input:input}',
  currentFile: '${fileContent}',
  currentfile: '${fileContent}',
  selection: '${selection}',
  selectedText: '${selection}',
  code: '${selection}',
  language: '${language}',
  filename: '${fileBasename}',
  fileName: '${fileBasename}',
};

/** Maps `{{{ name }}}` / `{{ name }}` to our variables, in one pass. Our own `${` in the text is escaped first. */
export function mapHandlebars(body: string, notes: string[]): string {
  const inputs = new Set<string>();
  // In a replacement string `$$` is one `$`: this writes `$${`.
  const escaped = body.replace(/\$\{/g, '$$$${');
  const mapped = escaped.replace(/\{\{\{?\s*([A-Za-z_][\w.-]*)\s*\}?\}\}/g, (whole: string, name: string) => {
    const known = Object.hasOwn(continueVariableMap, name) ? continueVariableMap[name] : undefined;
    if (known !== undefined) {
      return known;
    }
    if (isValidVariableName(name)) {
      inputs.add(name);
      return `\${input:${name}}`;
    }
    notes.push(`"${whole}" could not be mapped; kept as text`);
    return whole;
  });
  if (inputs.size > 0) {
    notes.push(`asked at run time: ${[...inputs].join(', ')}`);
  }
  if (/\{\{[#/^]/.test(mapped)) {
    notes.push('Handlebars blocks ({{#if}}, {{#each}}) are not supported; kept as text');
  }
  return mapped;
}

function readContinue(fileName: string, text: string): ImportReadResult {
  const notes: string[] = [];
  const normalized = text.replace(/\r\n/g, '\n');
  // Continue: "<preamble>\n---\n<body>"; the preamble may also be wrapped in a leading `---` like front matter.
  let preamble = '';
  let body = normalized;
  let bodyLine = 1;
  const fm = splitFrontMatter(normalized);
  if (fm.frontMatter !== undefined) {
    preamble = fm.frontMatter;
    body = fm.body;
    bodyLine = fm.bodyLine + 1;
  } else {
    const sep = normalized.search(/^---[ \t]*$/m);
    if (sep !== -1) {
      preamble = normalized.slice(0, sep);
      body = normalized.slice(normalized.indexOf('\n', sep) + 1);
      bodyLine = preamble.split('\n').length + 1;
    }
  }
  let meta: z.infer<typeof continuePreambleSchema> = {};
  if (preamble.trim() !== '') {
    const lc = new LineCounter();
    const doc = parseDocument(preamble.slice(0, 16 * 1024), { lineCounter: lc, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      return { candidates: [], problems: [fail(fileName, e ? lc.linePos(e.pos[0]).line : 1, `preamble: ${e?.message.split('\n')[0] ?? 'invalid YAML'}`)] };
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 0 });
    } catch {
      return { candidates: [], problems: [fail(fileName, 1, 'preamble: anchors and aliases are not allowed')] };
    }
    const parsed = continuePreambleSchema.safeParse(data ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { candidates: [], problems: [fail(fileName, 1, `preamble: ${issue ? `${issue.path.map(String).join('.')}: ${issue.message}` : 'invalid'}`)] };
    }
    meta = parsed.data;
  }
  let instructions = body;
  const system = /<system>([\s\S]*?)<\/system>/.exec(body);
  if (system) {
    // We have no separate system message for saved prompts: the system text goes first, as instructions.
    instructions = `${(system[1] ?? '').trim()}\n\n${body.replace(system[0], '').trim()}`;
    notes.push('<system> section placed at the start of the prompt');
  }
  if (/(^|\s)@(currentFile|file|os|repo-map|codebase|problems)\b/.test(instructions)) {
    notes.push('"@" context references are Continue features; they are sent as plain text');
  }
  const mapped = mapHandlebars(instructions, notes).trim();
  if (mapped === '') {
    return { candidates: [], problems: [fail(fileName, bodyLine, 'the prompt body is empty')] };
  }
  const prompt: PromptDefinition = {
    name: meta.name ?? nameFromFileName(baseName(fileName)),
    description: meta.description?.trim() ?? '',
    tier: 'auto',
    variables: [],
    body: mapped,
  };
  return validateCandidate(prompt, fileName, notes);
}

/** Runs a built definition through our own parser, so imports meet exactly the rules of hand-written files. */
function validateCandidate(prompt: PromptDefinition, origin: string, notes: readonly string[]): ImportReadResult {
  const reparsed = parsePromptFile(serializePrompt(prompt), origin);
  if (!reparsed.ok) {
    return { candidates: [], problems: reparsed.problems };
  }
  return { candidates: [{ prompt: reparsed.prompt, origin, notes: [...notes, ...reparsed.problems.map((p) => p.message)] }], problems: [] };
}

// ---------------------------------------------------------------- JSON bundle

/** Identifies our bundle files. */
export const bundleFormat = 'tiered-prompts';

const bundlePromptSchema = z.object({
  name: z.string().trim().min(1).max(maxNameLength),
  description: z.string().max(1000).default(''),
  tier: z.enum([...tierSchema.options, 'auto']).default('auto'),
  model: z.string().trim().max(200).optional(),
  variables: z
    .array(
      z.object({
        name: z.string().refine(isValidVariableName, 'not a valid input name'),
        description: z.string().max(500).default(''),
        default: z.string().max(10_000).optional(),
      }),
    )
    .max(50)
    .default([]),
  body: z.string().min(1).max(maxPromptFileBytes),
});

const bundleSchema = z.object({
  format: z.literal(bundleFormat),
  version: z.literal(1),
  exportedAt: z.string().optional(),
  prompts: z.array(z.unknown()).max(1000),
});

/** Our export file. */
export interface PromptBundle {
  readonly format: typeof bundleFormat;
  readonly version: 1;
  readonly exportedAt: string;
  readonly prompts: readonly PromptDefinition[];
}

function readBundle(fileName: string, text: string): ImportReadResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const pos = /position (\d+)/.exec(message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : 1;
    return { candidates: [], problems: [fail(fileName, line, `not valid JSON: ${message}`)] };
  }
  const bundle = bundleSchema.safeParse(json);
  if (!bundle.success) {
    const issue = bundle.error.issues[0];
    return { candidates: [], problems: [fail(fileName, 1, `not a Tiered prompt bundle: ${issue ? `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}` : 'invalid'}`)] };
  }
  const candidates: ImportCandidate[] = [];
  const problems: PromptProblem[] = [];
  bundle.data.prompts.forEach((raw, i) => {
    const origin = `${baseName(fileName)}#${i + 1}`;
    const parsed = bundlePromptSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      problems.push(fail(fileName, 1, `prompt ${i + 1}: ${issue ? `${issue.path.map(String).join('.')}: ${issue.message}` : 'invalid'}`));
      return;
    }
    const p = parsed.data;
    const prompt: PromptDefinition = {
      name: p.name,
      description: p.description,
      tier: p.tier,
      ...(p.model !== undefined && p.model !== '' ? { model: p.model } : {}),
      variables: p.variables.map((v) => ({ name: v.name, description: v.description, ...(v.default !== undefined ? { default: v.default } : {}) })),
      body: p.body,
    };
    const result = validateCandidate(prompt, origin, []);
    candidates.push(...result.candidates);
    problems.push(...result.problems.map((pr) => ({ ...pr, file: fileName, message: `prompt ${i + 1}: ${pr.message}` })));
  });
  return { candidates, problems };
}

/** Builds the bundle text for the given prompts. */
export function exportBundle(prompts: readonly PromptDefinition[], now: Date = new Date()): string {
  const bundle: PromptBundle = {
    format: bundleFormat,
    version: 1,
    exportedAt: now.toISOString(),
    prompts: prompts.map((p) => ({
      name: p.name,
      description: p.description,
      tier: p.tier,
      ...(p.model !== undefined ? { model: p.model } : {}),
      variables: p.variables.map((v) => ({ ...v })),
      body: p.body,
    })),
  };
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

// ---------------------------------------------------------------- planning

/** What the caller decides for a conflicting import. `replace` moves the existing prompt to the trash first. */
export type ConflictDecision = 'skip' | 'keepBoth' | 'replace';

export interface ImportConflict {
  readonly candidate: ImportCandidate;
  /** Name of the existing prompt it clashes with. */
  readonly existingName: string;
}

export interface ImportPlan {
  /** No clash: safe to create. */
  readonly fresh: readonly ImportCandidate[];
  /** Clash with an existing prompt (or an earlier candidate) of the same name: needs the caller's decision. */
  readonly conflicts: readonly ImportConflict[];
}

/** Splits candidates by whether their name is free in the target. Nothing is written. */
export function planImport(candidates: readonly ImportCandidate[], existingNames: Iterable<string>): ImportPlan {
  const taken = new Map<string, string>();
  for (const n of existingNames) {
    taken.set(nameKey(n), n);
  }
  const fresh: ImportCandidate[] = [];
  const conflicts: ImportConflict[] = [];
  for (const c of candidates) {
    const key = nameKey(c.prompt.name);
    const existing = taken.get(key);
    if (existing !== undefined) {
      conflicts.push({ candidate: c, existingName: existing });
    } else {
      fresh.push(c);
      taken.set(key, c.prompt.name);
    }
  }
  return { fresh, conflicts };
}
