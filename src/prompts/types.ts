/**
 * The saved prompt library's contracts: a prompt's definition (what its file says), where it comes from,
 * what is wrong with a malformed file, and a prompt ready to run. Pure: no `vscode` import.
 */
import type { Tier } from '../settings/schema';

/** Where a prompt lives. On a name clash the earlier source wins: workspace, then user, then built-in. */
export type PromptSource = 'workspace' | 'user' | 'builtin';

/** Source precedence, strongest first. */
export const promptSources: readonly PromptSource[] = ['workspace', 'user', 'builtin'];

/** A saved prompt's tier: a tier the router should use, or `auto` to let the router decide. */
export type TierHint = Tier | 'auto';

/** A named input the prompt asks for at run time (`${input:name}`). */
export interface PromptVariable {
  /** Letters, digits, `_` and `-`; starts with a letter or `_`. */
  readonly name: string;
  /** Shown when asking for the value. */
  readonly description: string;
  /** Offered as the initial value when asking. */
  readonly default?: string;
}

/** What a prompt file says: its front matter and its body. */
export interface PromptDefinition {
  /** Display name, unique per source (compared case-insensitively). */
  readonly name: string;
  readonly description: string;
  readonly tier: TierHint;
  /** A model the prompt prefers (the router ignores it, saying so, when it is not installed). */
  readonly model?: string;
  readonly variables: readonly PromptVariable[];
  /** The prompt text with `${…}` variables. */
  readonly body: string;
}

/** Something wrong (or doubtful) in a prompt file, with its place. Lines and columns are 1-based. */
export interface PromptProblem {
  /** File path (or a label such as `builtin:explain` or an import's name). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/** The outcome of reading one prompt file: a definition (maybe with warnings) or the reasons it is unusable. */
export type PromptParseResult =
  | { readonly ok: true; readonly prompt: PromptDefinition; readonly problems: readonly PromptProblem[] }
  | { readonly ok: false; readonly problems: readonly PromptProblem[] };

/** One prompt of the library, usable or not. */
export interface PromptEntry {
  /** Stable id: `builtin:<key>`, or `<source>:<absolute file path>`. */
  readonly id: string;
  readonly source: PromptSource;
  /** The definition's name, or the file's base name when the file is malformed. */
  readonly name: string;
  /** Absolute path of the file; undefined for built-ins. */
  readonly file?: string;
  /** Undefined when the file is malformed (see {@link problems}). */
  readonly definition?: PromptDefinition;
  /** Errors (then {@link definition} is undefined) and warnings. */
  readonly problems: readonly PromptProblem[];
  /** Set when a prompt of the same name in a stronger source hides this one. */
  readonly shadowedBy?: PromptSource;
}

/** A usable entry. */
export type UsablePromptEntry = PromptEntry & { readonly definition: PromptDefinition };

/** True when the entry parsed and can run. */
export function isUsable(entry: PromptEntry): entry is UsablePromptEntry {
  return entry.definition !== undefined;
}

/** Code the prompt is about, attached at the end of the prompt (where models attend best) when the body does not place it itself. */
export interface PromptAttachment {
  readonly text: string;
  /** VS Code language id, for the code fence. */
  readonly language: string;
  /** Workspace-relative path, as a heading. */
  readonly title?: string;
  /** True when it is the selection; false when it is the whole file (no selection). */
  readonly isSelection: boolean;
}

/** A prompt with every variable filled, ready to send. */
export interface ResolvedPrompt {
  readonly name: string;
  readonly source: PromptSource;
  readonly tier: TierHint;
  readonly model?: string;
  /** The body after substitution: the instructions. */
  readonly text: string;
  /** The code to attach after the instructions; undefined when the body already contains it or there is none. */
  readonly attachment?: PromptAttachment;
}
