/**
 * Contracts of the inline-completion pipeline: what the VS Code provider hands in, and what it gets back.
 * Pure: no `vscode` import.
 */
import type { TieredError } from '../backend/errors';
import type { RequestMetrics } from '../backend/types';

/** One call of the inline-completion provider, converted from VS Code types. */
export interface CompletionRequest {
  /** `document.uri.toString()`: at most one generation runs per document. */
  readonly documentUri: string;
  readonly languageId: string;
  /** The whole document text. */
  readonly text: string;
  /** Cursor offset in {@link text} (UTF-16 code units, as `document.offsetAt`). */
  readonly offset: number;
  /** The document's end-of-line sequence; completions are returned with it. */
  readonly lineEnding: '\n' | '\r\n';
  /** The editor's indentation for this document; completions are re-indented to it. */
  readonly indent: { readonly useTabs: boolean; readonly size: number };
  readonly fileSizeBytes: number;
  /** True for the manual trigger command (`InlineCompletionTriggerKind.Invoke`): no debounce, no mid-word skip. */
  readonly manual: boolean;
  /**
   * VS Code's suggest widget has an item selected at the cursor (`InlineCompletionContext.selectedCompletionInfo`):
   * an inline completion would have to extend that item, and ours would fight the list. Optional: absent means no.
   */
  readonly suggestWidgetItem?: boolean;
  /**
   * Tiered asked on VS Code's behalf: the editor had not asked after a keystroke (see `TriggerWatchdog`). Treated
   * like an automatic call; the attempt log says so. Optional: absent means no.
   */
  readonly reasked?: boolean;
  /**
   * The document is a sensitive file (`.env`, a private key, a `tiered.context.exclude` or `.tieredignore` match):
   * the sentence naming the rule. The prefilter then skips before anything else, so no request is ever sent.
   */
  readonly excluded?: string;
}

/** Where a shown completion came from. */
export type CompletionSource = 'model' | 'cache' | 'reused';

/** Why the pipeline decided not to ask the model. */
export type SkipReason =
  | 'excluded'
  | 'disabled'
  | 'languageDisabled'
  | 'fileTooLarge'
  | 'midWord'
  | 'suggestWidget'
  | 'selectionOrInvalidOffset'
  | 'nothingToComplete';

/** What one call produced. The provider shows `shown` and ignores the rest (the attempt log explains them). */
export type CompletionOutcome =
  | {
      readonly kind: 'shown';
      /** Text to insert at the cursor, with the document's line endings and indentation. */
      readonly text: string;
      readonly source: CompletionSource;
      /** Model name. */
      readonly model: string;
      /** Server metrics of the generation that produced the text (model source only). */
      readonly metrics?: RequestMetrics;
    }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; /** A sentence for the user. */ readonly message: string }
  /** Superseded by a newer keystroke while waiting for the debounce: no request was sent. */
  | { readonly kind: 'debounced' }
  /** Cancelled by the caller or superseded after the request was sent; the request was aborted. */
  | { readonly kind: 'cancelled' }
  /** The model answered, but nothing was left after post-processing. */
  | { readonly kind: 'empty'; readonly model: string; /** What post-processing removed, for the attempt log. */ readonly why: string }
  | { readonly kind: 'error'; readonly error: TieredError };
