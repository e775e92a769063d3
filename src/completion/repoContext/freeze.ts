/**
 * Keeps the repository context of a document still while the user types, so consecutive requests share
 * their prompt's start and the server reuses its cache: the context may change only on a file switch, on
 * the first request after a pause in the typing, or when the adapter refreshes it in idle time. Even then
 * it changes only when the new choice brings something the old one lacks (a definition of what the code
 * near the cursor uses), so a pause does not reshuffle the same snippets.
 * Pure: no `vscode` import.
 */
import type { ChosenContext } from './types';

/** Tunables of {@link FrozenRepoContext}. */
export interface FreezeOptions {
  /** A gap between requests of at least this many ms is a pause: the next request may change the context. Default 1000. */
  readonly pauseMs?: number;
  /** A new snippet this relevant (score) is worth changing the context for. Default 1.5. */
  readonly switchScore?: number;
}

/** Why the context was (not) chosen again. */
export type FreezeDecision = 'first' | 'fileSwitch' | 'afterPause' | 'frozen' | 'refreshed';

function snippetId(s: { readonly path: string; readonly startLine: number; readonly text: string }): string {
  return `${s.path}\u0000${s.startLine}\u0000${s.text}`;
}

/** The frozen context of the document being edited. */
export class FrozenRepoContext {
  private documentUri: string | undefined;
  private context: ChosenContext | undefined;
  private lastRequestAt = Number.NEGATIVE_INFINITY;
  private lastDecision: FreezeDecision = 'first';
  private readonly pauseMs: number;
  private readonly switchScore: number;

  constructor(options: FreezeOptions = {}) {
    this.pauseMs = options.pauseMs ?? 1000;
    this.switchScore = options.switchScore ?? 1.5;
  }

  /**
   * Whether a request at `now` (ms) may change the context: 'frozen' means use {@link current} as is;
   * anything else means choose again and pass the choice to {@link accept}.
   */
  decide(documentUri: string, now: number): FreezeDecision {
    const gap = now - this.lastRequestAt;
    this.lastRequestAt = now;
    this.lastDecision =
      this.context === undefined || this.documentUri === undefined ? 'first' : this.documentUri !== documentUri ? 'fileSwitch' : gap >= this.pauseMs ? 'afterPause' : 'frozen';
    return this.lastDecision;
  }

  /**
   * Takes a new choice for `documentUri`. On a pause or refresh in the same document, the old context stays
   * unless the new one adds a snippet scoring at least `switchScore` (or the old one was empty, or the
   * budget changed). Returns the context to use.
   */
  accept(documentUri: string, next: ChosenContext, decision: Exclude<FreezeDecision, 'frozen'>): ChosenContext {
    const old = this.context;
    this.lastDecision = decision;
    if (old !== undefined && this.documentUri === documentUri && (decision === 'afterPause' || decision === 'refreshed') && !this.worthSwitching(old, next)) {
      return old;
    }
    this.documentUri = documentUri;
    this.context = next;
    return next;
  }

  /** The context of the current document, if any. */
  current(): ChosenContext | undefined {
    return this.context;
  }

  /** The document the context belongs to. */
  get document(): string | undefined {
    return this.documentUri;
  }

  /** What the last call decided (for the attempt log). */
  get decision(): FreezeDecision {
    return this.lastDecision;
  }

  /** Forgets everything (setting turned off, exclusions changed). */
  clear(): void {
    this.documentUri = undefined;
    this.context = undefined;
    this.lastRequestAt = Number.NEGATIVE_INFINITY;
  }

  private worthSwitching(old: ChosenContext, next: ChosenContext): boolean {
    if (old.key === next.key) {
      return false;
    }
    if (old.snippets.length === 0 || old.budgetTokens !== next.budgetTokens) {
      return true;
    }
    const held = new Set(old.snippets.map(snippetId));
    return next.snippets.some((s) => !held.has(snippetId(s)) && s.score >= this.switchScore);
  }
}
