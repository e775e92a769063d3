/**
 * The pipeline's repository-context stage ({@link RepoContextSource}): for the first request in a file (and
 * on a file switch) it gathers definitions of the symbols near the cursor and the files the current file
 * imports (through the adapter, which bounds the time), adds the ring of recent chunks, chooses within the
 * token budget and lays the result out for the model. Every later request gets the same context, so
 * prompts share their start; after the pipeline reports a pause or an accept, its idle-time refresh may
 * choose again (then the pipeline warms the server's cache). Sensitive files never get in.
 * Pure: no `vscode` import.
 */
import type { TokenCounter } from '../../context/tokenCounter';
import type { RepoContext, RepoContextEvent, RepoContextQuery, RepoContextSource } from '../repoContextSource';
import { symbolsNearCursor } from './definitions';
import type { SymbolNearCursor } from './definitions';
import { FrozenRepoContext } from './freeze';
import type { FreezeDecision, FreezeOptions } from './freeze';
import { parseImports } from './imports';
import type { ImportStatement } from './imports';
import { layOutContext } from './layout';
import type { CurrentFile } from './layout';
import { selectRepoContext } from './select';
import type { ImportedFile } from './select';
import type { ChosenContext, SnippetCandidate } from './types';

/** What the engine needs from the editor (implemented by the VS Code adapter; by tests with plain data). */
export interface RepoContextGatherer {
  /** The document's workspace-relative path and workspace name; undefined when it is not in a workspace folder. */
  fileOf(documentUri: string, languageId: string): CurrentFile | undefined;
  /** The files behind the document's imports (read within a bounded time; missing ones left out). */
  importedFiles(documentUri: string, currentPath: string, languageId: string, imports: readonly ImportStatement[], signal: AbortSignal): Promise<readonly ImportedFile[]>;
  /** Definition snippets of symbols near the cursor (cached per symbol; bounded time; what is not ready is left out). */
  definitions(documentUri: string, symbols: readonly SymbolNearCursor[], signal: AbortSignal): Promise<readonly SnippetCandidate[]>;
  /** The ring of recently viewed, edited and copied chunks (the adapter may look at the clipboard first). */
  recent(signal: AbortSignal): Promise<readonly SnippetCandidate[]>;
}

/** What the engine depends on. */
export interface RepoContextEngineDeps {
  readonly gather: RepoContextGatherer;
  readonly counter: TokenCounter;
  /** The user's setting (`tiered.completion.repositoryContext`). */
  enabled(): boolean;
  /** Sensitive files (workspace-relative path): never in a prompt. */
  isExcluded(path: string): boolean;
  readonly freeze?: FreezeOptions;
}

/** The last context handed out, for logs and tests. */
export interface RepoContextTrace {
  readonly documentUri: string;
  readonly decision: FreezeDecision;
  /** When the context in use was chosen (equals `decision` unless that is 'frozen'). */
  readonly origin: Exclude<FreezeDecision, 'frozen'>;
  readonly chosen: ChosenContext;
  readonly context: RepoContext | undefined;
}

// Share of the budget for the snippets' text; the layout's paths and comment markers need the rest.
const layoutReserve = 0.85;

/** Converts a chosen context into the pipeline's form, laid out for the query's model and request kind. */
export function toRepoContext(chosen: ChosenContext, file: CurrentFile, query: Pick<RepoContextQuery, 'family' | 'promptKind' | 'backendKind'>, counter: TokenCounter): RepoContext | undefined {
  if (chosen.snippets.length === 0) {
    return undefined;
  }
  const laid = layOutContext(chosen, file, { family: query.family, promptKind: query.promptKind, backendKind: query.backendKind });
  const text = laid.rawHead + laid.layoutPrefix + laid.extraFiles.map((f) => `${f.filename}\n${f.text}`).join('');
  return {
    snippets: chosen.snippets.map((s) => ({ path: s.path, startLine: s.startLine + 1, endLine: s.endLine + 1, why: s.why, tokens: s.tokens })),
    rawHead: laid.rawHead,
    layoutPrefix: laid.layoutPrefix,
    extraFiles: laid.extraFiles,
    tokens: counter.count(text),
    key: `${chosen.key}/${query.family ?? 'none'}/${query.promptKind}/${query.backendKind}`,
  };
}

/** Repository context for completions: the pipeline's {@link RepoContextSource}. */
export class RepoContextEngine implements RepoContextSource {
  private readonly frozen: FrozenRepoContext;
  private trace: RepoContextTrace | undefined;

  constructor(private readonly deps: RepoContextEngineDeps) {
    this.frozen = new FrozenRepoContext(deps.freeze);
  }

  async contextFor(query: RepoContextQuery): Promise<RepoContext | undefined> {
    if (!this.deps.enabled()) {
      this.frozen.clear();
      return undefined;
    }
    const file = this.deps.gather.fileOf(query.documentUri, query.languageId);
    if (file === undefined) {
      return undefined;
    }
    const decision = this.frozen.decide(query.documentUri);
    let chosen = this.frozen.current();
    if (decision !== 'frozen' || chosen === undefined) {
      const fresh = await this.choose(query, file, query.signal);
      chosen = this.frozen.accept(query.documentUri, fresh, decision === 'frozen' ? 'first' : decision);
    }
    const context = this.fit(chosen, file, query);
    this.trace = { documentUri: query.documentUri, decision, origin: this.frozen.origin, chosen, context };
    return context;
  }

  notify(event: RepoContextEvent): void {
    // A file switch is seen from the request's document; a pause or an accept lets the next idle refresh
    // choose again. Nothing changes on the way to a request: its prompt keeps the cached start.
    if (event.kind === 'pause' || event.kind === 'accepted') {
      this.frozen.markStale(event.documentUri, event.kind);
    }
  }

  /**
   * Chooses again for the document of the last request while the user is idle after a reported pause or
   * accept (the definitions near the cursor have changed since). True when the context changed: a cache
   * warm-up is then worth it. Does nothing (false) without such an event since the last choice.
   */
  async refresh(query: RepoContextQuery): Promise<boolean> {
    const file = this.deps.gather.fileOf(query.documentUri, query.languageId);
    const before = this.frozen.current();
    if (file === undefined || !this.deps.enabled() || !this.frozen.mayRefresh(query.documentUri)) {
      return false;
    }
    const fresh = await this.choose(query, file, query.signal);
    if (query.signal.aborted) {
      // The user typed meanwhile: what was gathered may be partial; the next pause tries again.
      return false;
    }
    return this.frozen.accept(query.documentUri, fresh, 'refreshed') !== before;
  }

  /** Forgets the frozen context (exclusions or the setting changed). */
  reset(): void {
    this.frozen.clear();
    this.trace = undefined;
  }

  /** The last context handed out. */
  last(): RepoContextTrace | undefined {
    return this.trace;
  }

  private async choose(query: RepoContextQuery, file: CurrentFile, signal: AbortSignal): Promise<ChosenContext> {
    const imports = parseImports(query.text, query.languageId);
    const symbols = symbolsNearCursor(query.text, query.offset);
    const [importedFiles, definitions, recent] = await Promise.all([
      this.deps.gather.importedFiles(query.documentUri, file.path, query.languageId, imports, signal).catch((): readonly ImportedFile[] => []),
      this.deps.gather.definitions(query.documentUri, symbols, signal).catch((): readonly SnippetCandidate[] => []),
      this.deps.gather.recent(signal).catch((): readonly SnippetCandidate[] => []),
    ]);
    return selectRepoContext({
      currentPath: file.path,
      text: query.text,
      offset: query.offset,
      definitions,
      importedFiles,
      recent,
      // Headers and comment markers of the layout take the rest (see `fit`).
      budgetTokens: Math.floor(query.tokenBudget * layoutReserve),
      counter: this.deps.counter,
      isExcluded: (path) => this.deps.isExcluded(path),
    });
  }

  // The layout adds headers (paths, comment markers): drop the least relevant snippets until it fits.
  private fit(chosen: ChosenContext, file: CurrentFile, query: RepoContextQuery): RepoContext | undefined {
    let snippets = chosen.snippets;
    for (;;) {
      const context = toRepoContext({ ...chosen, snippets }, file, query, this.deps.counter);
      if (context === undefined || context.tokens <= query.tokenBudget) {
        return context;
      }
      snippets = snippets.slice(1);
    }
  }
}

/**
 * Lines for "Why No Completion?": which context went into the last prompt (file, lines, why), its token
 * count, and when it was chosen. Empty when repository context is off and nothing was ever chosen.
 */
export function describeRepoContext(trace: RepoContextTrace | undefined, enabled: boolean): string[] {
  if (!enabled) {
    return ['Repository context: off (setting tiered.completion.repositoryContext).'];
  }
  if (trace === undefined) {
    return ['Repository context: no prompt has been built yet.'];
  }
  const context = trace.context;
  const chosenWhen: Record<Exclude<FreezeDecision, 'frozen'>, string> = {
    first: 'chosen for the first request in this file',
    fileSwitch: 'chosen when you switched to this file',
    refreshed: 'chosen again while you were idle after a pause',
  };
  const kept = trace.decision === 'frozen' ? ', and kept since so that prompts share their start' : '';
  const why = `${chosenWhen[trace.origin]}${kept}`;
  if (context === undefined || context.snippets.length === 0) {
    return [`Repository context in the last prompt: none (nothing in other files was relevant to the code around the cursor; ${why}).`];
  }
  return [
    `Repository context in the last prompt: ${context.snippets.length} snippet${context.snippets.length === 1 ? '' : 's'}, ${context.tokens} tokens (${why}):`,
    ...context.snippets.map((s) => `- ${s.path}, lines ${s.startLine}–${s.endLine} (${s.tokens} tokens): ${s.why}`),
  ];
}
