/**
 * Test cases of a saved prompt, stored next to it: `explain.tiered.md` has its cases in `explain.cases.yaml`.
 *
 * ```yaml
 * task: explain                           # optional: which kind of task the prompt does (see below)
 * cases:
 *   - name: spots the off-by-one
 *     vars: { audience: a newcomer }       # the prompt's ${input:…} values
 *     selection: |                          # the code the prompt runs on
 *       for (let i = 0; i <= items.length; i++) {}
 *     suffix: "…"                           # optional: text after the cursor (a fill-in-the-middle case)
 *     language: typescript
 *     file: src/list.ts
 *     checks:
 *       - { type: contains, value: "<=", ignoreCase: false }
 *       - { type: finding-at-line, line: 1 }
 *     rubric:                               # yes/no criteria judged by another model
 *       - Says the loop reads one element past the end
 * ```
 *
 * A sibling YAML file rather than a `cases:` key in the prompt's front matter: the front matter is capped at 16 KiB
 * (a header, not a data store) and cases carry code; the prompt parser warns on unknown keys; and cases change far
 * more often than the prompt, so they diff on their own. It is read with the same YAML library and the same
 * hostile-input rules as prompt front matter. A malformed case is reported by name and left out; the others run.
 *
 * `task:` (one of the router's task kinds) says what the results can steer: a suite of reviews suggests which model
 * reviews; without it the kind is read from the checks (a finding at a line → review, `similar` only → inline
 * completion, else a saved prompt).
 * Pure: no `vscode` import.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { taskKindSchema } from '../settings/schema';
import type { TaskKind } from '../settings/schema';
import { compileCheck } from './checks/compile';
import { checkSpecSchema } from './checks/spec';
import type { Check, CheckSpec } from './checks/spec';
import { loadYaml } from './safeYaml';

/** A cases file larger than this is not read. */
export const maxCasesFileChars = 2 * 1024 * 1024;
const maxCases = 1000;
const maxCriteria = 20;

/** One yes/no criterion for the judge. */
const criterionSchema = z.string({ error: 'must be text' }).trim().min(3, 'is too short to judge').max(500, 'must be at most 500 characters');

/** One case as written. */
export const caseSchema = z
  .object({
    name: z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters'),
    vars: z.record(z.string(), z.union([z.string().max(100_000), z.number(), z.boolean()]).transform(String)).optional(),
    selection: z.string().max(200_000).optional(),
    /** Text after the cursor: the case is a fill-in-the-middle completion, the selection being the text before it. */
    suffix: z.string().max(200_000).optional(),
    language: z.string().max(40).optional(),
    file: z.string().max(500).optional(),
    checks: z.array(checkSpecSchema).max(50).optional(),
    rubric: z.array(criterionSchema).max(maxCriteria).optional(),
  })
  .strict()
  .refine((c) => (c.checks?.length ?? 0) + (c.rubric?.length ?? 0) > 0, 'has no checks and no rubric: it could never fail');

/** One case as written (validated). */
export type CaseSpec = z.infer<typeof caseSchema>;

/** A case ready to run: its checks compiled. */
export interface TestCase {
  readonly name: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly selection?: string;
  /** Set for a fill-in-the-middle case (see the schema). */
  readonly suffix?: string;
  readonly language?: string;
  readonly file?: string;
  readonly checks: readonly Check[];
  readonly rubric: readonly string[];
  /** As written, for saving back and exporting. */
  readonly spec: CaseSpec;
}

/** Something wrong in a cases file; `caseName` names the case when the problem is in one. */
export interface CaseProblem {
  readonly file: string;
  readonly caseName?: string;
  readonly message: string;
}

/** What a cases file holds: the usable cases and what was wrong with the others. */
export interface CaseSuite {
  readonly cases: readonly TestCase[];
  readonly problems: readonly CaseProblem[];
  /** The file's `task:` when it names one. */
  readonly task?: TaskKind;
}

/** The task a suite's results speak for: its `task:`, else read from its checks. */
export function suiteTask(suite: Pick<CaseSuite, 'cases' | 'task'>): TaskKind {
  if (suite.task !== undefined) {
    return suite.task;
  }
  const kinds = suite.cases.flatMap((c) => (c.spec.checks ?? []).map((k) => k.type));
  if (kinds.includes('finding-at-line')) {
    return 'review';
  }
  if (kinds.length > 0 && kinds.every((k) => k === 'similar')) {
    return 'inlineCompletion';
  }
  return 'savedPrompt';
}

/** The cases file of a prompt file: `x.tiered.md` → `x.cases.yaml`. */
export function casesFileFor(promptFile: string): string {
  return promptFile.replace(/\.(tiered|prompt)\.md$/i, '').replace(/\.md$/i, '') + '.cases.yaml';
}

function issueText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`).join('; ');
}

/** Compiles validated case specs (also used by imports); a case with a check that does not compile is left out. */
export function compileCases(specs: readonly CaseSpec[], file: string): CaseSuite {
  const cases: TestCase[] = [];
  const problems: CaseProblem[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    const key = spec.name.toLocaleLowerCase('en-US');
    if (seen.has(key)) {
      problems.push({ file, caseName: spec.name, message: `case "${spec.name}": another case has the same name; this one is left out` });
      continue;
    }
    const checks: Check[] = [];
    const errors: string[] = [];
    (spec.checks ?? []).forEach((c: CheckSpec, i) => {
      const compiled = compileCheck(c);
      if (compiled.ok) {
        checks.push(compiled.check);
      } else {
        errors.push(`checks.${i}: ${compiled.error}`);
      }
    });
    if (errors.length > 0) {
      problems.push({ file, caseName: spec.name, message: `case "${spec.name}": ${errors.join('; ')}` });
      continue;
    }
    seen.add(key);
    cases.push({
      name: spec.name,
      vars: spec.vars ?? {},
      ...(spec.selection !== undefined ? { selection: spec.selection } : {}),
      ...(spec.suffix !== undefined ? { suffix: spec.suffix } : {}),
      ...(spec.language !== undefined ? { language: spec.language } : {}),
      ...(spec.file !== undefined ? { file: spec.file } : {}),
      checks,
      rubric: spec.rubric ?? [],
      spec,
    });
  }
  return { cases, problems };
}

/** Reads a cases file. Never throws: a broken file gives one problem and no cases; a broken case, one problem each. */
export function parseCasesFile(source: string, file: string): CaseSuite {
  const loaded = loadYaml(source, maxCasesFileChars);
  if (!loaded.ok) {
    return { cases: [], problems: [{ file, message: `line ${loaded.line}: ${loaded.message}` }] };
  }
  const root = loaded.value;
  const list: unknown = root !== null && typeof root === 'object' && !Array.isArray(root) ? Reflect.get(root, 'cases') : undefined;
  if (!Array.isArray(list)) {
    return { cases: [], problems: [{ file, message: 'the file must be a map with a "cases:" list' }] };
  }
  if (list.length > maxCases) {
    return { cases: [], problems: [{ file, message: `too many cases (${list.length}; at most ${maxCases})` }] };
  }
  const specs: CaseSpec[] = [];
  const problems: CaseProblem[] = [];
  const rawTask: unknown = root !== null && typeof root === 'object' ? Reflect.get(root, 'task') : undefined;
  const task = rawTask === undefined ? undefined : taskKindSchema.safeParse(rawTask);
  if (task !== undefined && !task.success) {
    problems.push({ file, message: `task: must be one of ${taskKindSchema.options.join(', ')}; the kind is read from the checks instead` });
  }
  list.forEach((raw: unknown, index) => {
    const parsed = caseSchema.safeParse(raw);
    if (parsed.success) {
      specs.push(parsed.data);
      return;
    }
    const name: unknown = raw !== null && typeof raw === 'object' ? Reflect.get(raw, 'name') : undefined;
    const label = typeof name === 'string' && name.trim() !== '' ? `case ${index + 1} "${name.trim().slice(0, 120)}"` : `case ${index + 1}`;
    problems.push({ file, ...(typeof name === 'string' ? { caseName: name } : {}), message: `${label}: ${issueText(parsed.error)}` });
  });
  const compiled = compileCases(specs, file);
  return { cases: compiled.cases, problems: [...problems, ...compiled.problems], ...(task?.success === true ? { task: task.data } : {}) };
}

/** Writes cases back in the file format (e.g. after "save as test case"), keeping the file's `task:`. */
export function stringifyCases(specs: readonly CaseSpec[], task?: TaskKind): string {
  return stringify(task !== undefined ? { task, cases: specs } : { cases: specs }, { lineWidth: 0 });
}
