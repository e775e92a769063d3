/**
 * Importing a promptfoo configuration (`promptfooconfig.yaml`): its prompts become saved prompts and its tests
 * become test cases. Supported asserts: equals, contains, icontains, regex, is-json, contains-json, llm-rubric and
 * their `not-` forms where they make sense. Anything that would run code — `javascript`, `python`, `webhook`, or a
 * `file://` reference (a script, or data read from elsewhere) — is refused with the reason, and so is what Tiered
 * cannot express (Nunjucks logic in a prompt, array vars that expand into several tests). The file is read as
 * hostile YAML (see `safeYaml.ts`). Pure: no `vscode` import.
 */
import { z } from 'zod';
import { caseSchema, compileCases } from './cases';
import type { CaseSpec, TestCase } from './cases';
import type { CheckSpec } from './checks/spec';
import { loadYaml } from './safeYaml';

/** A promptfoo file larger than this is not read. */
export const maxPromptfooChars = 1024 * 1024;

/** A prompt from the file, with `{{var}}` turned into `${input:var}`. */
export interface ImportedPrompt {
  readonly name: string;
  readonly body: string;
  readonly variables: readonly string[];
}

/** Something left out, and why. */
export interface Refusal {
  /** Where in the file, e.g. `tests[2].assert[0]`. */
  readonly where: string;
  readonly reason: string;
}

/** What an import produced. */
export interface PromptfooImport {
  readonly prompts: readonly ImportedPrompt[];
  /** Cases as written (to save next to each imported prompt) and compiled. */
  readonly caseSpecs: readonly CaseSpec[];
  readonly cases: readonly TestCase[];
  readonly refused: readonly Refusal[];
  /** Set when the file as a whole could not be read. */
  readonly error?: string;
}

const codeAssertTypes: ReadonlySet<string> = new Set(['javascript', 'python', 'webhook', 'ruby', 'not-javascript', 'not-python', 'not-webhook']);

const assertSchema = z.object({ type: z.string().max(60), value: z.unknown().optional() }).passthrough();
const testSchema = z.object({ description: z.string().max(500).optional(), vars: z.record(z.string(), z.unknown()).optional(), assert: z.array(z.unknown()).max(100).optional() }).passthrough();
const configSchema = z
  .object({
    description: z.string().optional(),
    prompts: z.union([z.string(), z.array(z.unknown()).max(100)]).optional(),
    tests: z.union([z.string(), z.array(z.unknown()).max(1000)]).optional(),
    defaultTest: testSchema.optional(),
  })
  .passthrough();

function isFileRef(value: unknown): boolean {
  return typeof value === 'string' && /^\s*file:\/\//i.test(value);
}

function fileRefReason(value: string): string {
  return /\.(m?js|cjs|ts|py|rb|sh|bat|ps1|exe)\b/i.test(value)
    ? `${value.trim()} is a script: importing never runs code`
    : `${value.trim()}: file references are not followed (only this file is read); paste the content instead`;
}

/** `Explain {{ topic }}` → `Explain ${input:topic}`; undefined (with the reason) when the template has logic. */
function convertTemplate(text: string): { body: string; variables: string[] } | { reason: string } {
  const escaped = text.replace(/\$\{/g, () => '$${'); // a function: in a replacement string $$ means $
  const variables: string[] = [];
  const body = escaped.replace(/\{\{\s*([A-Za-z_][\w-]{0,63})\s*\}\}/g, (_, name: string) => {
    if (!variables.includes(name)) {
      variables.push(name);
    }
    return `\${input:${name}}`;
  });
  if (/\{\{|\{%|\{#/.test(body)) {
    return { reason: 'uses Nunjucks templating beyond {{variable}} (filters, tags or expressions), which Tiered does not run' };
  }
  return { body, variables };
}

function prompts(raw: unknown, refused: Refusal[]): ImportedPrompt[] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const out: ImportedPrompt[] = [];
  list.forEach((item: unknown, i) => {
    const where = `prompts[${i}]`;
    let text: unknown = item;
    let label: unknown;
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      text = Reflect.get(item, 'raw') ?? Reflect.get(item, 'content');
      label = Reflect.get(item, 'label') ?? Reflect.get(item, 'id');
    }
    if (isFileRef(text) || isFileRef(item)) {
      refused.push({ where, reason: fileRefReason(String(isFileRef(text) ? text : item)) });
      return;
    }
    if (typeof text !== 'string' || text.trim() === '') {
      refused.push({ where, reason: 'not a prompt text (a string, or an object with raw:)' });
      return;
    }
    const converted = convertTemplate(text);
    if ('reason' in converted) {
      refused.push({ where, reason: converted.reason });
      return;
    }
    const name = typeof label === 'string' && label.trim() !== '' && !isFileRef(label) ? label.trim().slice(0, 80) : `promptfoo prompt ${i + 1}`;
    out.push({ name, body: converted.body, variables: converted.variables });
  });
  return out;
}

/** One assert → a check, a rubric criterion, or a refusal. */
function convertAssert(raw: unknown, where: string): { check: CheckSpec } | { criterion: string } | { refusal: Refusal } {
  const parsed = assertSchema.safeParse(raw);
  if (!parsed.success) {
    return { refusal: { where, reason: 'an assert must be a map with a type' } };
  }
  const { type, value } = parsed.data;
  if (codeAssertTypes.has(type)) {
    return { refusal: { where, reason: `"${type}" asserts run code; importing never runs code` } };
  }
  if (isFileRef(value)) {
    return { refusal: { where, reason: fileRefReason(String(value)) } };
  }
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  const needText = (make: (t: string) => CheckSpec): { check: CheckSpec } | { refusal: Refusal } =>
    text === undefined || text === '' ? { refusal: { where, reason: `"${type}" needs a text value` } } : { check: make(text) };
  switch (type) {
    case 'equals':
      return value !== null && typeof value === 'object' ? { check: { type: 'equals', value: JSON.stringify(value) } } : needText((t) => ({ type: 'equals', value: t }));
    case 'contains':
    case 'icontains':
      return needText((t) => ({ type: 'contains', value: t, ...(type === 'icontains' ? { ignoreCase: true } : {}) }));
    case 'not-contains':
    case 'not-icontains':
      return needText((t) => ({ type: 'not-contains', value: t, ...(type === 'not-icontains' ? { ignoreCase: true } : {}) }));
    case 'regex':
    case 'not-regex':
      return needText((t) => ({ type: 'regex', pattern: t, ...(type === 'not-regex' ? { negate: true } : {}) }));
    case 'is-json':
    case 'contains-json': {
      const embedded = type === 'contains-json' ? { embedded: true } : {};
      if (value === undefined || value === null) {
        return { check: { type: 'json', ...embedded } };
      }
      if (typeof value === 'object' && !Array.isArray(value)) {
        return { check: { type: 'json', schema: Object.fromEntries(Object.entries(value)), ...embedded } };
      }
      return { refusal: { where, reason: `"${type}" takes a JSON schema object as its value (a YAML string schema is not parsed)` } };
    }
    case 'llm-rubric':
      return text === undefined || text.trim() === '' ? { refusal: { where, reason: '"llm-rubric" needs the criterion as its value' } } : { criterion: text.trim() };
    default:
      return { refusal: { where, reason: `"${type}" asserts are not supported (supported: equals, contains, icontains, not-contains, regex, is-json, contains-json, llm-rubric)` } };
  }
}

function convertVars(vars: Record<string, unknown> | undefined, where: string, refused: Refusal[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars ?? {})) {
    if (isFileRef(value)) {
      refused.push({ where: `${where}.vars.${name}`, reason: fileRefReason(String(value)) });
      return undefined;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[name] = String(value);
    } else {
      refused.push({ where: `${where}.vars.${name}`, reason: 'only text, number or true/false values are imported (an array would expand into several tests)' });
      return undefined;
    }
  }
  return out;
}

/** Reads a promptfoo configuration. Never throws. */
export function importPromptfoo(source: string): PromptfooImport {
  const empty = { prompts: [], caseSpecs: [], cases: [], refused: [] };
  const loaded = loadYaml(source, maxPromptfooChars);
  if (!loaded.ok) {
    return { ...empty, error: `line ${loaded.line}: ${loaded.message}` };
  }
  const config = configSchema.safeParse(loaded.value);
  if (!config.success) {
    return { ...empty, error: `not a promptfoo configuration: ${config.error.issues.map((i) => `${i.path.join('.') || 'the file'}: ${i.message}`).join('; ')}` };
  }
  const refused: Refusal[] = [];
  const imported = prompts(config.data.prompts, refused);
  if (typeof config.data.tests === 'string') {
    refused.push({ where: 'tests', reason: fileRefReason(config.data.tests) });
  }
  const defaults = config.data.defaultTest;
  const defaultVars = convertVars(defaults?.vars, 'defaultTest', refused) ?? {};
  const specs: CaseSpec[] = [];
  const tests = Array.isArray(config.data.tests) ? config.data.tests : [];
  tests.forEach((raw: unknown, i) => {
    const where = `tests[${i}]`;
    if (isFileRef(raw)) {
      refused.push({ where, reason: fileRefReason(String(raw)) });
      return;
    }
    const test = testSchema.safeParse(raw);
    if (!test.success) {
      refused.push({ where, reason: 'a test must be a map with vars and assert' });
      return;
    }
    const vars = convertVars(test.data.vars, where, refused);
    if (vars === undefined) {
      return;
    }
    const checks: CheckSpec[] = [];
    const rubric: string[] = [];
    const asserts = [...(defaults?.assert ?? []).map((a, k) => [a, `defaultTest.assert[${k}]`] as const), ...(test.data.assert ?? []).map((a, k) => [a, `${where}.assert[${k}]`] as const)];
    for (const [a, at] of asserts) {
      const converted = convertAssert(a, at);
      if ('check' in converted) {
        checks.push(converted.check);
      } else if ('criterion' in converted) {
        rubric.push(converted.criterion);
      } else if (!refused.some((r) => r.where === converted.refusal.where)) {
        refused.push(converted.refusal);
      }
    }
    const name = test.data.description?.trim() || `test ${i + 1}`;
    if (checks.length + rubric.length === 0) {
      refused.push({ where, reason: `test "${name}" has no assert Tiered can run, so it could never fail` });
      return;
    }
    const spec = caseSchema.safeParse({ name: name.slice(0, 120), vars: { ...defaultVars, ...vars }, ...(checks.length > 0 ? { checks } : {}), ...(rubric.length > 0 ? { rubric } : {}) });
    if (spec.success) {
      specs.push(spec.data);
    } else {
      refused.push({ where, reason: spec.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') });
    }
  });
  const compiled = compileCases(specs, 'promptfooconfig.yaml');
  for (const p of compiled.problems) {
    refused.push({ where: `test "${p.caseName ?? ''}"`, reason: p.message });
  }
  return { prompts: imported, caseSpecs: compiled.cases.map((c) => c.spec), cases: compiled.cases, refused };
}
