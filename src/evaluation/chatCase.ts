/**
 * "Save as test case" from a chat answer the user liked or disliked: the case (the request's variables and code,
 * and criteria the judge checks against what the user thought of the answer), and the cases file with it added —
 * comments and every other case kept as written. A free chat message (not a saved prompt) goes to the built-in
 * "Chat answers" suite, whose prompt is the message itself. Pure: no `vscode` import.
 */
import { parseDocument, YAMLSeq } from 'yaml';
import { z } from 'zod';
import type { CaseSpec } from './cases';
import { caseSchema, maxCasesFileChars, stringifyCases } from './cases';
import { loadYaml } from './safeYaml';

/** What the chat sends (validated at the host: the command can be run with any arguments). */
export const chatAnswerCaseSchema = z
  .object({
    /** The saved prompt the answer came from, when it came from one. */
    promptName: z.string().trim().min(1).max(120).optional(),
    /** The user's message (for a saved prompt: what was typed, if anything). */
    message: z.string().max(100_000),
    answer: z.string().min(1, 'the answer is empty').max(200_000),
    rating: z.enum(['liked', 'disliked']),
    /** The saved prompt's variables as filled in. */
    vars: z.record(z.string(), z.string().max(100_000)).optional(),
    selection: z.string().max(200_000).optional(),
    language: z.string().max(40).optional(),
    file: z.string().max(500).optional(),
  })
  .strict();

/** The validated arguments. */
export type ChatAnswerCase = z.infer<typeof chatAnswerCaseSchema>;

/** The name of the suite free chat messages are saved to. */
export const chatSuiteName = 'Chat answers';
/** Its files' base name (in `.tiered/evals/cases/`). */
export const chatSuiteBaseName = 'chat-answers';

/** The prompt file of the chat suite: the message is the whole prompt. */
export function chatSuitePromptFile(): string {
  return `---\nname: ${chatSuiteName}\ndescription: Chat messages saved as test cases from answers you liked or disliked.\nvariables:\n  message: The chat message\n---\n\${input:message}\n`;
}

/** The first `max` characters of `text` on one line, for a criterion. */
function excerpt(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** A name not taken yet: "liked: how do I…", "liked: how do I… (2)". */
function uniqueName(base: string, taken: readonly string[]): string {
  const used = new Set(taken.map((n) => n.toLocaleLowerCase('en-US')));
  const name = base.slice(0, 110);
  if (!used.has(name.toLocaleLowerCase('en-US'))) {
    return name;
  }
  for (let i = 2; ; i++) {
    const candidate = `${name} (${i})`;
    if (!used.has(candidate.toLocaleLowerCase('en-US'))) {
      return candidate;
    }
  }
}

/**
 * The case for an answer. Liked: the judge checks a new answer is as right as this one (quoted), and a code block
 * is required when the liked answer had one. Disliked: the judge checks the new answer avoids what this one did
 * (quoted); the user refines the criterion in the file, which is opened for them.
 */
export function chatCaseSpec(input: ChatAnswerCase, takenNames: readonly string[], forSavedPrompt: boolean): CaseSpec {
  const label = excerpt(input.message !== '' ? input.message : (input.promptName ?? 'answer'), 60);
  const name = uniqueName(`${input.rating}: ${label}`, takenNames);
  const quoted = excerpt(input.answer, 300);
  const rubric =
    input.rating === 'liked'
      ? [`Is as correct and complete as this answer the user liked: «${quoted}»`]
      : [`Avoids what was wrong with this answer the user disliked (edit this criterion to say what): «${quoted}»`];
  const fence = /^```([\w+#.-]*)/m.exec(input.answer);
  const checks: CaseSpec['checks'] = input.rating === 'liked' && fence !== null ? [{ type: 'code-block', ...(fence[1] !== undefined && fence[1] !== '' ? { language: fence[1] } : {}) }] : [];
  const vars = forSavedPrompt ? (input.vars ?? {}) : { message: input.message };
  const parsed = caseSchema.parse({
    name,
    ...(Object.keys(vars).length > 0 ? { vars } : {}),
    ...(input.selection !== undefined && input.selection !== '' ? { selection: input.selection } : {}),
    ...(input.language !== undefined ? { language: input.language } : {}),
    ...(input.file !== undefined ? { file: input.file } : {}),
    ...(checks.length > 0 ? { checks } : {}),
    rubric,
  });
  return parsed;
}

/** The cases file with `spec` added, or why it cannot be (a broken file is never overwritten). */
export type AddCaseResult = { readonly ok: true; readonly text: string; readonly name: string } | { readonly ok: false; readonly message: string };

/** The names of the cases already in a file (as written, valid or not). */
function existingNames(value: unknown): string[] {
  const list: unknown = value !== null && typeof value === 'object' ? Reflect.get(value, 'cases') : undefined;
  if (!Array.isArray(list)) {
    return [];
  }
  return list.flatMap((c: unknown) => {
    const n: unknown = c !== null && typeof c === 'object' ? Reflect.get(c, 'name') : undefined;
    return typeof n === 'string' ? [n] : [];
  });
}

/**
 * Adds the case for `input` to a cases file (`existing` undefined: a new file, with `task:` when given). Edits the
 * YAML document in place, so comments and the other cases stay as the user wrote them.
 */
export function addChatCase(existing: string | undefined, input: ChatAnswerCase, forSavedPrompt: boolean, task?: 'chat'): AddCaseResult {
  if (existing === undefined || existing.trim() === '') {
    const spec = chatCaseSpec(input, [], forSavedPrompt);
    return { ok: true, text: stringifyCases([spec], task), name: spec.name };
  }
  const loaded = loadYaml(existing, maxCasesFileChars);
  if (!loaded.ok) {
    return { ok: false, message: `the cases file does not read (line ${loaded.line}: ${loaded.message}); fix it first, nothing was written` };
  }
  const root = loaded.value;
  if (root === null || typeof root !== 'object' || Array.isArray(root) || !Array.isArray(Reflect.get(root, 'cases'))) {
    return { ok: false, message: 'the cases file must be a map with a "cases:" list; nothing was written' };
  }
  const spec = chatCaseSpec(input, existingNames(root), forSavedPrompt);
  const doc = parseDocument(existing);
  const seq = doc.get('cases', true);
  if (!(seq instanceof YAMLSeq)) {
    return { ok: false, message: 'the cases file must be a map with a "cases:" list; nothing was written' };
  }
  seq.add(doc.createNode(spec));
  return { ok: true, text: doc.toString({ lineWidth: 0 }), name: spec.name };
}
