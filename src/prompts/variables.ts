/**
 * Variables in a prompt body: `${selection}`, `${file}`, `${fileBasename}`, `${language}`, `${workspaceFolder}`
 * (and a few aliases other assistants use), plus named inputs `${input:name}` / `${input:name:placeholder}`
 * asked for at run time. `$${…}` writes a literal `${…}`.
 *
 * Substitution is ONE pass over the body: a value that itself contains `${…}` (a selection of shell code, say)
 * is inserted as is and never expanded again. Unknown variables are left untouched.
 * Pure: no `vscode` import.
 */
import type { PromptDefinition } from './types';

/** Values taken from the editor. Missing ones become empty text. */
export interface EditorValues {
  /** The selected text (empty when nothing is selected). */
  readonly selection?: string;
  /** Workspace-relative path of the active file (absolute when outside the workspace). */
  readonly file?: string;
  readonly fileBasename?: string;
  readonly fileDirname?: string;
  /** The whole text of the active file. */
  readonly fileContent?: string;
  /** VS Code language id, e.g. `typescript`. */
  readonly language?: string;
  /** Absolute path of the workspace folder of the active file (or the first folder). */
  readonly workspaceFolder?: string;
}

/** The editor variables a body may use, with what each holds (for docs and completion). */
export const editorVariables = {
  selection: 'the selected text',
  selectedText: 'the selected text (same as selection)',
  file: 'the path of the active file',
  fileBasename: 'the file name of the active file',
  fileBasenameNoExtension: 'the file name without its extension',
  fileDirname: 'the folder of the active file',
  fileContent: 'the whole text of the active file',
  language: 'the language id of the active file',
  workspaceFolder: 'the path of the workspace folder',
  workspaceFolderBasename: 'the name of the workspace folder',
} as const;

export type EditorVariableName = keyof typeof editorVariables;

const editorVariableNames: ReadonlySet<string> = new Set(Object.keys(editorVariables));

/** Names the rest of the code treats as plain identifiers; never allowed as input names. */
const forbiddenNames: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Valid input/variable name. */
export const variableNamePattern = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function isValidVariableName(name: string): boolean {
  return variableNamePattern.test(name) && !forbiddenNames.has(name);
}

// `$${` (escape) or `${…}` on one line, without nested braces.
const tokenPattern = /\$\$\{|\$\{([^{}\n]{1,200})\}/g;

/** One `${…}` reference found in a body. */
export type VariableReference =
  | { readonly kind: 'editor'; readonly name: EditorVariableName; readonly offset: number }
  | { readonly kind: 'input'; readonly name: string; readonly placeholder: string | undefined; readonly offset: number }
  | { readonly kind: 'unknown'; readonly raw: string; readonly offset: number };

function isEditorVariable(name: string): name is EditorVariableName {
  return editorVariableNames.has(name);
}

function classify(inner: string, offset: number, declared: ReadonlySet<string>): VariableReference {
  const name = inner.trim();
  if (isEditorVariable(name)) {
    return { kind: 'editor', name, offset };
  }
  if (name.startsWith('input:')) {
    const rest = name.slice('input:'.length);
    const colon = rest.indexOf(':');
    const inputName = (colon === -1 ? rest : rest.slice(0, colon)).trim();
    const placeholder = colon === -1 ? undefined : rest.slice(colon + 1).trim();
    if (isValidVariableName(inputName)) {
      return { kind: 'input', name: inputName, placeholder: placeholder === '' ? undefined : placeholder, offset };
    }
    return { kind: 'unknown', raw: inner, offset };
  }
  // A declared variable may also be written `${name}`.
  if (declared.has(name)) {
    return { kind: 'input', name, placeholder: undefined, offset };
  }
  return { kind: 'unknown', raw: inner, offset };
}

/** Every reference in a body, in order. */
export function findReferences(body: string, declaredNames: Iterable<string> = []): VariableReference[] {
  const declared = new Set(declaredNames);
  const refs: VariableReference[] = [];
  for (const m of body.matchAll(tokenPattern)) {
    if (m[1] !== undefined) {
      refs.push(classify(m[1], m.index, declared));
    }
  }
  return refs;
}

/** An input to ask for before running. */
export interface InputRequest {
  readonly name: string;
  /** From the declared variable, else the placeholder, else the name. */
  readonly description: string;
  readonly default?: string;
  readonly placeholder?: string;
}

/** The inputs a prompt needs, each once, in order of first use. Declared variables that the body never uses are not asked. */
export function inputsOf(prompt: Pick<PromptDefinition, 'body' | 'variables'>): InputRequest[] {
  const declared = new Map(prompt.variables.map((v) => [v.name, v]));
  const seen = new Set<string>();
  const out: InputRequest[] = [];
  for (const ref of findReferences(prompt.body, declared.keys())) {
    if (ref.kind !== 'input' || seen.has(ref.name)) {
      continue;
    }
    seen.add(ref.name);
    const v = declared.get(ref.name);
    const description = v?.description || ref.placeholder || ref.name;
    out.push({
      name: ref.name,
      description,
      ...(v?.default !== undefined ? { default: v.default } : {}),
      ...(ref.placeholder !== undefined ? { placeholder: ref.placeholder } : {}),
    });
  }
  return out;
}

/** True when the body places the selection (or the whole file) itself. */
export function usesCode(body: string): boolean {
  return findReferences(body).some((r) => r.kind === 'editor' && (r.name === 'selection' || r.name === 'selectedText' || r.name === 'fileContent'));
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? '';
}

function editorValue(name: EditorVariableName, v: EditorValues): string {
  switch (name) {
    case 'selection':
    case 'selectedText':
      return v.selection ?? '';
    case 'file':
      return v.file ?? '';
    case 'fileBasename':
      return v.fileBasename ?? (v.file !== undefined ? baseName(v.file) : '');
    case 'fileBasenameNoExtension': {
      const base = v.fileBasename ?? (v.file !== undefined ? baseName(v.file) : '');
      const dot = base.lastIndexOf('.');
      return dot > 0 ? base.slice(0, dot) : base;
    }
    case 'fileDirname':
      return v.fileDirname ?? '';
    case 'fileContent':
      return v.fileContent ?? '';
    case 'language':
      return v.language ?? '';
    case 'workspaceFolder':
      return v.workspaceFolder ?? '';
    case 'workspaceFolderBasename':
      return v.workspaceFolder !== undefined ? baseName(v.workspaceFolder) : '';
  }
}

/** The result of {@link substitute}. */
export interface Substitution {
  readonly text: string;
  /** Inputs the body uses that had no value (they are replaced by empty text). */
  readonly missingInputs: readonly string[];
}

/**
 * Fills the variables in ONE pass. `inputs` holds the answers to named inputs (by name); a declared variable
 * with no answer falls back to its default. Values are inserted verbatim and never re-scanned.
 */
export function substitute(
  prompt: Pick<PromptDefinition, 'body' | 'variables'>,
  values: EditorValues,
  inputs: ReadonlyMap<string, string> = new Map(),
): Substitution {
  const declared = new Map(prompt.variables.map((v) => [v.name, v]));
  const missing = new Set<string>();
  const text = prompt.body.replace(tokenPattern, (whole: string, inner: string | undefined, offset: number) => {
    if (inner === undefined) {
      // `$${` escapes: a literal `${`.
      return '${';
    }
    const ref = classify(inner, offset, new Set(declared.keys()));
    switch (ref.kind) {
      case 'editor':
        return editorValue(ref.name, values);
      case 'input': {
        const answer = inputs.get(ref.name) ?? declared.get(ref.name)?.default;
        if (answer === undefined) {
          missing.add(ref.name);
          return '';
        }
        return answer;
      }
      case 'unknown':
        return whole;
    }
  });
  return { text, missingInputs: [...missing] };
}
