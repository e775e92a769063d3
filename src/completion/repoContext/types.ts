/**
 * Contracts of repository context for completions: the snippets other files offer, the ones chosen for a
 * prompt, and why. Pure: no `vscode` import.
 */

/** Where a snippet comes from. */
export type SnippetSource = 'definition' | 'import' | 'recent';

/** How a recent chunk entered the ring. */
export type RecentKind = 'viewed' | 'edited' | 'copied';

/** A piece of another file that could go into the prompt. */
export interface SnippetCandidate {
  /** Workspace-relative path (forward slashes). */
  readonly path: string;
  /** 0-based line in the file where {@link text} starts. */
  readonly startLine: number;
  readonly text: string;
  readonly source: SnippetSource;
  /** Definitions and imports: the symbol the snippet defines that the code near the cursor uses. */
  readonly symbol?: string;
  /** Recent chunks: how the user met it. */
  readonly recentKind?: RecentKind;
  /** Recent chunks: when (ms, any monotonic clock); newer chunks win ties. */
  readonly at?: number;
}

/** A snippet chosen for the prompt, with its cost and the reason, for "Why No Completion?". */
export interface ChosenSnippet {
  readonly path: string;
  readonly startLine: number;
  /** 0-based last line (inclusive). */
  readonly endLine: number;
  readonly text: string;
  readonly source: SnippetSource;
  readonly tokens: number;
  readonly score: number;
  /** A short phrase: "defines Cart, used near the cursor", "recently edited"… */
  readonly why: string;
}

/** The repository context of one prompt. */
export interface ChosenContext {
  /** Least relevant first: the most relevant snippet sits next to the file's own code. */
  readonly snippets: readonly ChosenSnippet[];
  /** Tokens of the snippets' text (layout headers excluded). */
  readonly tokens: number;
  readonly budgetTokens: number;
  /** Identity of the content: equal keys mean an identical prompt head. */
  readonly key: string;
}

/** The empty context. */
export const emptyChosenContext: ChosenContext = { snippets: [], tokens: 0, budgetTokens: 0, key: '' };
