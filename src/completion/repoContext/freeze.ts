/**
 * Keeps the repository context of a document still while the user types, so consecutive requests share
 * their prompt's start and the server reuses its cache. The context is chosen for the first request in a
 * document and on a file switch; after that it may change only once the pipeline has reported a pause or
 * an accepted suggestion in that document, and then only in idle time (the pipeline's refresh after the
 * pause's answer, followed by a cache warm-up), never on the way to a request. Even then it changes only
 * when the new choice brings something the old one lacks (a definition of what the code near the cursor
 * uses), so a pause does not reshuffle the same snippets.
 * Pure: no `vscode` import.
 */
import type { ChosenContext } from './types';

/** Tunables of {@link FrozenRepoContext}. */
export interface FreezeOptions {
  /** A new snippet this relevant (score) is worth changing the context for. Default 1.5. */
  readonly switchScore?: number;
}

/** Why the context in a prompt is what it is: when it was chosen, or 'frozen' (kept from then). */
export type FreezeDecision = 'first' | 'fileSwitch' | 'frozen' | 'refreshed';

/** The events after which the context may be chosen again in idle time. */
export type FreezeEvent = 'pause' | 'accepted';

function snippetId(s: { readonly path: string; readonly startLine: number; readonly text: string }): string {
  return `${s.path}\u0000${s.startLine}\u0000${s.text}`;
}

/** The frozen context of the document being edited. */
export class FrozenRepoContext {
  private documentUri: string | undefined;
  private context: ChosenContext | undefined;
  private chosenBy: Exclude<FreezeDecision, 'frozen'> = 'first';
  private stale: FreezeEvent | undefined;
  private readonly switchScore: number;

  constructor(options: FreezeOptions = {}) {
    this.switchScore = options.switchScore ?? 1.5;
  }

  /**
   * Whether a request for `documentUri` must choose a context: 'frozen' means use {@link current} as is;
   * anything else means choose and pass the choice to {@link accept}. Time plays no part: only the
   * pipeline's events (see {@link markStale}) and the document do.
   */
  decide(documentUri: string): FreezeDecision {
    if (this.context === undefined || this.documentUri === undefined) {
      return 'first';
    }
    return this.documentUri !== documentUri ? 'fileSwitch' : 'frozen';
  }

  /** The user paused or accepted a suggestion in `documentUri`: the next idle refresh may choose again. */
  markStale(documentUri: string, event: FreezeEvent): void {
    if (this.documentUri === documentUri) {
      this.stale = event;
    }
  }

  /** Whether an idle refresh for `documentUri` may choose again (a pause or accept was reported since the last choice). */
  mayRefresh(documentUri: string): boolean {
    return this.stale !== undefined && this.documentUri === documentUri && this.context !== undefined;
  }

  /**
   * Takes a new choice for `documentUri`. On a refresh, the old context stays unless the new one adds a
   * snippet scoring at least `switchScore` (or the old one was empty, or the budget changed). Returns the
   * context to use.
   */
  accept(documentUri: string, next: ChosenContext, decision: Exclude<FreezeDecision, 'frozen'>): ChosenContext {
    const old = this.context;
    this.stale = undefined;
    if (old !== undefined && this.documentUri === documentUri && decision === 'refreshed' && !this.worthSwitching(old, next)) {
      return old;
    }
    this.documentUri = documentUri;
    this.context = next;
    this.chosenBy = decision;
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

  /** When the current context was chosen. */
  get origin(): Exclude<FreezeDecision, 'frozen'> {
    return this.chosenBy;
  }

  /** Forgets everything (setting turned off, exclusions changed). */
  clear(): void {
    this.documentUri = undefined;
    this.context = undefined;
    this.stale = undefined;
    this.chosenBy = 'first';
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
