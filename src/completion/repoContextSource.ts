/**
 * The contract between the completion pipeline and a source of repository context (definitions of the
 * symbols around the cursor, imported files, recently viewed/edited/copied chunks). The pipeline asks it
 * once per request in the prompt stage (`stages/prompt.ts`), tells it when the user pauses, accepts or
 * switches files, and lets it choose again in idle time after a pause (`refresh`); the implementation lives in `repoContext/`. Everything here is optional for the pipeline: without
 * a source, prompts carry the current file only.
 * Pure: no `vscode` import.
 */
import type { BackendKind, ExtraFile } from '../backend/types';
import type { FimFamily } from './templates';

/** What the prompt stage asks for. */
export interface RepoContextQuery {
  readonly documentUri: string;
  readonly languageId: string;
  /** The whole document text and the cursor offset in it. */
  readonly text: string;
  readonly offset: number;
  /** The completion model's name and FIM family (undefined when unknown: use commented blocks). */
  readonly model: string;
  readonly family: FimFamily | undefined;
  /** `'openai'`: the request goes to llama-server's `/infill` (context as `input_extra`); `'ollama'`: in the prompt. */
  readonly backendKind: BackendKind;
  /**
   * How the FIM prompt is sent: `'raw'` (Tiered writes the family's sentinels: {@link RepoContext.layoutPrefix}
   * goes before the file's prefix) or `'native'` (the server inserts the sentinels: on `/infill`
   * {@link RepoContext.extraFiles} go as `input_extra`; on Ollama the layout prefix goes at the start of `prompt`).
   */
  readonly promptKind: 'raw' | 'native';
  /** Tokens the context may take at most (about a quarter of the FIM prompt by default). */
  readonly tokenBudget: number;
  /** Aborted when the request is superseded: stop work and return whatever is ready (or nothing). */
  readonly signal: AbortSignal;
}

/** One piece of context that went into a prompt, for "Why No Completion?". */
export interface RepoSnippet {
  /** Workspace-relative path (as written into the prompt). */
  readonly path: string;
  /** 1-based, inclusive line range in that file. */
  readonly startLine: number;
  readonly endLine: number;
  /** Why it was chosen, e.g. "defines `Invoice`", "imported", "recently edited". */
  readonly why: string;
  readonly tokens: number;
}

/** The context for one prompt, already laid out for the model. */
export interface RepoContext {
  /** What went in, in prompt order. */
  readonly snippets: readonly RepoSnippet[];
  /**
   * Text placed before the file's own prefix (raw prompts, and native Ollama prompts): the family's
   * repository-level layout (e.g. qwen `<|repo_name|>…<|file_sep|>path\n…<|file_sep|>current/path\n`),
   * ending where the current file's text begins. '' when there is none.
   */
  readonly layoutPrefix: string;
  /**
   * Raw prompts only: text before the family's FIM sentinels, for families whose repository format puts the
   * other files before the FIM block (qwen `<|repo_name|>…<|file_sep|>current/path\n`, starcoder2
   * `<repo_name>…<file_sep>`). Optional: absent or '' means none.
   */
  readonly rawHead?: string;
  /** The same snippets as llama-server `/infill` `input_extra` entries (used only on that backend). */
  readonly extraFiles: readonly ExtraFile[];
  /** Token count of the context as laid out. */
  readonly tokens: number;
  /**
   * Equal keys mean an identical context. The source must keep it stable while the user types (change
   * it only at pauses and file switches) so consecutive prompts share their prefix in the server's KV cache;
   * the pipeline warms the cache when the key changes while the user is idle.
   */
  readonly key: string;
}

/** Events the pipeline reports so the source knows when it may change the context. */
export type RepoContextEvent =
  /** The user paused typing in a document (a request is about to go out for the pause). */
  | { readonly kind: 'pause'; readonly documentUri: string }
  /** Completions were asked in another document than the last time. */
  | { readonly kind: 'fileSwitch'; readonly fromUri: string | undefined; readonly toUri: string }
  /** The user accepted a suggestion in a document. */
  | { readonly kind: 'accepted'; readonly documentUri: string };

/** A source of repository context for completions. */
export interface RepoContextSource {
  /**
   * The context for one prompt, or undefined for none (turned off, nothing relevant, excluded file).
   * Called on every request: must be fast (cache between pauses) and must never throw for bad input.
   */
  contextFor(query: RepoContextQuery): Promise<RepoContext | undefined>;
  /** Told about pauses, file switches and accepts (optional to act on). */
  notify(event: RepoContextEvent): void;
  /**
   * The user is idle after a reported pause or accept, and nothing runs on the server: the source may choose
   * its context again now (never on the way to a request). Resolves true when the context changed, so the
   * pipeline warms the server's cache with the new prompt. Optional: a source without it never changes
   * its context within a file.
   */
  refresh?(query: RepoContextQuery): Promise<boolean>;
}
