/**
 * Keeps the repository context of a document still while the user types, so consecutive requests share
 * their prompt's start and the server reuses its cache. The context is chosen for the first request in a
 * document and on a file switch; after that it may change only once the pipeline has reported a pause or
 * an accepted suggestion in that document, and then only in idle time (the pipeline's refresh after the
 * pause's answer, followed by a cache warm-up), never on the way to a request. Even then it changes only
 * when the new choice brings something the old one lacks (a definition of what the code near the cursor
 * uses, and not already inside a snippet it holds), so a pause does not reshuffle the same snippets. When it
 * does change, the new context is the old one with the new snippets appended ({@link mergeStable}): the
 * snippets that stay keep their place at the front, so the server re-reads only from the first change on
 * (a llama-server KV cache, Ollama's one sequence and vLLM's automatic prefix cache all reuse the longest
 * shared start of consecutive prompts).
 * Pure: no `vscode` import.
 */
import { contextKey } from './select';
import type { ChosenContext, ChosenSnippet } from './types';

/** Tunables of {@link FrozenRepoContext}. */
export interface FreezeOptions {
  /** A new snippet this relevant (score), of more than one line, is worth changing the context for. Default 1.5. */
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
    let chosen = next;
    if (old !== undefined && this.documentUri === documentUri && decision === 'refreshed') {
      if (!this.worthSwitching(old, next)) {
        return old;
      }
      chosen = mergeStable(old, next);
    }
    this.documentUri = documentUri;
    this.context = chosen;
    this.chosenBy = decision;
    return chosen;
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
    // A change costs the server a re-read of everything after it (the whole file window): worth it for a
    // relevant declaration, not for a lone line (a type member's `name: string;` tells the model little).
    return additionsTo(old, next).some((s) => s.score >= this.switchScore && s.endLine > s.startLine);
  }
}

/** Whether snippet `a` holds all of `b`'s lines (same file). */
function holds(a: ChosenSnippet, b: ChosenSnippet): boolean {
  return a.path === b.path && a.startLine <= b.startLine && b.endLine <= a.endLine && (a.endLine - a.startLine > b.endLine - b.startLine || a.text.includes(b.text));
}

/** The snippets of `next` that `old` neither has nor holds inside one of its snippets. */
function additionsTo(old: ChosenContext, next: ChosenContext): ChosenSnippet[] {
  const held = new Set(old.snippets.map(snippetId));
  return next.snippets.filter((s) => !held.has(snippetId(s)) && !old.snippets.some((o) => holds(o, s)));
}

/**
 * The context after a refresh that brings something new, laid out so the server re-reads as little as
 * possible: the old snippets that stay, in their old order, then the new ones (in `next`'s order, the most
 * relevant last, next to the file's own code). Within `next`'s budget, old snippets give way in this order:
 * those a new one holds (now redundant), those `next` no longer wants (the last first, so the shared start
 * stays long), then the least relevant new ones, then the old ones still wanted (the last first).
 */
export function mergeStable(old: ChosenContext, next: ChosenContext): ChosenContext {
  const added = additionsTo(old, next);
  const budget = next.budgetTokens;
  const wanted = (o: ChosenSnippet): boolean => next.snippets.some((s) => snippetId(s) === snippetId(o) || holds(o, s));
  let kept = old.snippets.filter((o) => !added.some((a) => holds(a, o)));
  let fresh = added;
  const total = (): number => [...kept, ...fresh].reduce((n, s) => n + s.tokens, 0);
  const dropLast = (list: ChosenSnippet[], which: (s: ChosenSnippet) => boolean): ChosenSnippet[] | undefined => {
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if (s !== undefined && which(s)) {
        return [...list.slice(0, i), ...list.slice(i + 1)];
      }
    }
    return undefined;
  };
  while (total() > budget && kept.length + fresh.length > 0) {
    const unwanted = dropLast(kept, (o) => !wanted(o));
    if (unwanted !== undefined) {
      kept = unwanted;
      continue;
    }
    // `fresh` is least relevant first.
    if (fresh.length > 1) {
      fresh = fresh.slice(1);
      continue;
    }
    const anyOld = dropLast(kept, () => true);
    if (anyOld !== undefined) {
      kept = anyOld;
      continue;
    }
    fresh = fresh.slice(1);
  }
  const snippets = [...kept, ...fresh];
  return { snippets, tokens: total(), budgetTokens: budget, key: contextKey(snippets) };
}
