/**
 * The VS Code side of repository context for completions (the pure stage is `completion/repoContext/`):
 * - the ring of recent chunks: what the user looks at (the visible lines of the active editor, on switching
 *   and after scrolling), edits (around the last edit, once the typing stops) and copies (VS Code has no
 *   clipboard event: when context is chosen, the clipboard is compared with the selections the user made
 *   recently in workspace files, and only a match counts, so text copied elsewhere never enters a prompt);
 * - definitions of the symbols near the cursor through `vscode.executeDefinitionProvider`, cached per
 *   symbol while the defining file keeps its version, within a time limit (late answers fill the cache);
 * - the files the current one imports, resolved in the workspace and read within a time limit.
 * Sensitive files (issue 15's exclusions) are never read, recorded or offered.
 */
import * as vscode from 'vscode';
import { approximateCounter } from '../../context/tokenCounter';
import { chunkAround, declarationAt, maxChunkLines } from '../../completion/repoContext/chunks';
import { DefinitionCache } from '../../completion/repoContext/definitions';
import type { SymbolNearCursor } from '../../completion/repoContext/definitions';
import { RepoContextEngine, describeRepoContext } from '../../completion/repoContext/engine';
import type { RepoContextGatherer } from '../../completion/repoContext/engine';
import { resolveImport } from '../../completion/repoContext/imports';
import type { ImportStatement } from '../../completion/repoContext/imports';
import type { CurrentFile } from '../../completion/repoContext/layout';
import { ChunkRing } from '../../completion/repoContext/ring';
import type { RecentKind, SnippetCandidate } from '../../completion/repoContext/types';
import type { ImportedFile } from '../../completion/repoContext/select';
import type { Services } from '../services';

/**
 * Time the definition provider gets per choice of context (the choice is on the way to the model, after a
 * pause): a warm language server answers within it; slower answers fill the cache and serve the next choice.
 */
const definitionTimeMs = 50;
/** Time imported files get to be found and read (found files are remembered for {@link resolvedForMs}). */
const importTimeMs = 100;
/** How long the files an import resolved to are remembered. */
const resolvedForMs = 30_000;
/** Files larger than this are not read for imports. */
const maxImportBytes = 512 * 1024;
/** Definitions followed per symbol. */
const maxTargets = 2;
/** An edit is recorded once the document has been still this long. */
const editSettleMs = 1000;
/** Scrolling is recorded once the view has been still this long. */
const scrollSettleMs = 1000;
/** Recent selections compared with the clipboard. */
const selectionsKept = 8;

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

/** What the completion feature gets: the pipeline's source and the lines for "Why No Completion?". */
export interface RepoContextAdapter extends vscode.Disposable {
  readonly source: RepoContextEngine;
  /** Lines describing the last prompt's repository context. */
  report(): string[];
}

/** Creates the repository-context source and starts tracking viewed, edited and copied code. */
export function createRepoContext(services: Services): RepoContextAdapter {
  const gatherer = new VsCodeGatherer(services);
  const enabled = (): boolean => services.settings.current['completion.repositoryContext'];
  const source = new RepoContextEngine({
    gather: gatherer,
    counter: approximateCounter(),
    enabled,
    isExcluded: (path) => gatherer.isExcludedPath(path),
  });
  const subscriptions = [
    gatherer,
    services.sensitiveFiles.onDidChange(() => {
      // Rules changed: what was chosen or recorded under the old ones must not stay.
      gatherer.forgetExcluded();
      source.reset();
    }),
    services.settings.onDidChange(() => {
      if (!enabled()) {
        source.reset();
      }
    }),
  ];
  return {
    source,
    report: () => describeRepoContext(source.last(), enabled()),
    dispose: () => vscode.Disposable.from(...subscriptions).dispose(),
  };
}

/** The editor side of {@link RepoContextGatherer}. */
class VsCodeGatherer implements RepoContextGatherer, vscode.Disposable {
  private readonly ring = new ChunkRing();
  private readonly definitionCache = new DefinitionCache();
  private readonly disposables: vscode.Disposable[] = [];
  /** Workspace-relative path → URI of every file a snippet came from (for the exclusion check). */
  private readonly uris = new Map<string, vscode.Uri>();
  private readonly editTimers = new Map<string, { timer: ReturnType<typeof setTimeout>; line: number }>();
  private scrollTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly selections: { readonly uri: vscode.Uri; readonly startLine: number; readonly text: string }[] = [];
  /** Definition lookups under way, so a symbol is never asked twice at once. */
  private readonly lookups = new Map<string, Promise<SnippetCandidate[]>>();
  /** Import → the files it resolved to, and when. */
  private readonly resolved = new Map<string, { readonly at: number; readonly uris: readonly vscode.Uri[] }>();

  constructor(private readonly services: Services) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => editor !== undefined && this.recordVisible(editor, 'viewed')),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => {
        if (e.textEditor === vscode.window.activeTextEditor) {
          clearTimeout(this.scrollTimer);
          this.scrollTimer = setTimeout(() => this.recordVisible(e.textEditor, 'viewed'), scrollSettleMs);
        }
      }),
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.window.onDidChangeTextEditorSelection((e) => this.onSelection(e)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        const pending = this.editTimers.get(doc.uri.toString());
        if (pending !== undefined) {
          clearTimeout(pending.timer);
          this.editTimers.delete(doc.uri.toString());
        }
      }),
    );
    for (const editor of vscode.window.visibleTextEditors) {
      this.recordVisible(editor, 'viewed');
    }
  }

  dispose(): void {
    clearTimeout(this.scrollTimer);
    for (const { timer } of this.editTimers.values()) {
      clearTimeout(timer);
    }
    vscode.Disposable.from(...this.disposables).dispose();
  }

  fileOf(documentUri: string, languageId: string): CurrentFile | undefined {
    const uri = vscode.Uri.parse(documentUri);
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (folder === undefined) {
      return undefined;
    }
    return { path: this.remember(uri), languageId, repoName: folder.name };
  }

  async importedFiles(documentUri: string, currentPath: string, languageId: string, imports: readonly ImportStatement[], signal: AbortSignal): Promise<readonly ImportedFile[]> {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(documentUri));
    if (folder === undefined || imports.length === 0) {
      return [];
    }
    const work = Promise.all(imports.slice(0, 30).map((statement) => this.readImport(folder, statement, currentPath, languageId, signal)));
    const files = await Promise.race([work, delay(importTimeMs, undefined)]);
    const byPath = new Map<string, ImportedFile>();
    for (const file of (files ?? []).flat()) {
      const seen = byPath.get(file.path);
      byPath.set(file.path, seen === undefined ? file : { ...seen, names: [...seen.names, ...file.names] });
    }
    return [...byPath.values()];
  }

  async definitions(documentUri: string, symbols: readonly SymbolNearCursor[], signal: AbortSignal): Promise<readonly SnippetCandidate[]> {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === documentUri);
    if (document === undefined) {
      return [];
    }
    const versionOf = (id: string): number => vscode.workspace.textDocuments.find((d) => d.uri.toString() === id)?.version ?? -1;
    const ready: SnippetCandidate[] = [];
    const pending: Promise<unknown>[] = [];
    for (const symbol of symbols) {
      const cached = this.definitionCache.get(documentUri, symbol.name, versionOf);
      if (cached !== undefined) {
        ready.push(...cached);
      } else if (!signal.aborted) {
        // Not awaited past the time limit: a late answer still fills the cache for the next choice.
        const key = `${documentUri}\u0000${symbol.name}`;
        let lookup = this.lookups.get(key);
        if (lookup === undefined) {
          lookup = this.lookUp(document, symbol, versionOf).finally(() => this.lookups.delete(key));
          this.lookups.set(key, lookup);
        }
        pending.push(lookup.then((found) => ready.push(...found)));
      }
    }
    if (pending.length > 0) {
      await Promise.race([Promise.allSettled(pending), delay(definitionTimeMs, undefined)]);
    }
    return [...ready];
  }

  async recent(signal: AbortSignal): Promise<readonly SnippetCandidate[]> {
    if (this.selections.length > 0 && !signal.aborted) {
      await this.checkClipboard();
    }
    return this.ring.candidates();
  }

  /** Whether a snippet path (workspace-relative, as this gatherer wrote it) is a sensitive file. */
  isExcludedPath(path: string): boolean {
    const uri = this.uris.get(path);
    return uri === undefined || this.services.sensitiveFiles.check(uri) !== undefined;
  }

  /** Drops recorded chunks of files the (new) rules exclude. */
  forgetExcluded(): void {
    for (const [path, uri] of this.uris) {
      if (this.services.sensitiveFiles.check(uri) !== undefined) {
        this.ring.removePath(path);
      }
    }
    this.definitionCache.clear();
  }

  private excluded(uri: vscode.Uri): boolean {
    return this.services.sensitiveFiles.check(uri) !== undefined;
  }

  private remember(uri: vscode.Uri): string {
    const path = vscode.workspace.asRelativePath(uri, false);
    this.uris.set(path, uri);
    return path;
  }

  private inWorkspace(document: vscode.TextDocument): boolean {
    return (document.uri.scheme === 'file' || document.uri.scheme === 'vscode-remote') && vscode.workspace.getWorkspaceFolder(document.uri) !== undefined;
  }

  private record(document: vscode.TextDocument, line: number, kind: RecentKind, text?: string, startLine?: number): void {
    if (!this.inWorkspace(document) || this.excluded(document.uri)) {
      return;
    }
    const chunk = text === undefined ? chunkAround(document.getText(), line, maxChunkLines) : { startLine: startLine ?? line, text };
    this.ring.add({ path: this.remember(document.uri), startLine: chunk.startLine, text: chunk.text, kind, at: Date.now() });
  }

  private recordVisible(editor: vscode.TextEditor, kind: RecentKind): void {
    const range = editor.visibleRanges[0];
    const line = range === undefined ? editor.selection.active.line : Math.floor((range.start.line + range.end.line) / 2);
    this.record(editor.document, line, kind);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const change = e.contentChanges[0];
    if (change === undefined || !this.inWorkspace(e.document)) {
      return;
    }
    const key = e.document.uri.toString();
    const previous = this.editTimers.get(key);
    if (previous !== undefined) {
      clearTimeout(previous.timer);
    }
    const document = e.document;
    const line = change.range.start.line;
    this.editTimers.set(key, {
      line,
      timer: setTimeout(() => {
        this.editTimers.delete(key);
        if (!document.isClosed) {
          this.record(document, line, 'edited');
        }
      }, editSettleMs),
    });
  }

  private onSelection(e: vscode.TextEditorSelectionChangeEvent): void {
    const selection = e.selections[0];
    if (selection === undefined || selection.isEmpty || !this.inWorkspace(e.textEditor.document)) {
      return;
    }
    const text = e.textEditor.document.getText(selection);
    if (text.trim() === '' || text.split('\n').length > maxChunkLines) {
      return;
    }
    // Growing a selection replaces the previous state of the same selection.
    const last = this.selections[this.selections.length - 1];
    if (last !== undefined && last.uri.toString() === e.textEditor.document.uri.toString() && last.startLine === selection.start.line) {
      this.selections.pop();
    }
    this.selections.push({ uri: e.textEditor.document.uri, startLine: selection.start.line, text });
    if (this.selections.length > selectionsKept) {
      this.selections.shift();
    }
  }

  // A copy is a recent selection that is now on the clipboard; clipboard text from anywhere else is ignored.
  private async checkClipboard(): Promise<void> {
    let clipboard: string;
    try {
      clipboard = await Promise.race([vscode.env.clipboard.readText(), delay(50, '')]);
    } catch {
      return;
    }
    const normalized = clipboard.replace(/\r\n/g, '\n');
    if (normalized.trim() === '') {
      return;
    }
    const index = this.selections.findIndex((s) => s.text.replace(/\r\n/g, '\n') === normalized);
    const copied = this.selections[index];
    if (copied === undefined) {
      return;
    }
    this.selections.splice(index, 1);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === copied.uri.toString());
    if (document !== undefined) {
      this.record(document, copied.startLine, 'copied', normalized, copied.startLine);
    }
  }

  private async lookUp(document: vscode.TextDocument, symbol: SymbolNearCursor, versionOf: (id: string) => number): Promise<SnippetCandidate[]> {
    const found: SnippetCandidate[] = [];
    const versions = new Map<string, number>();
    try {
      const locations = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[] | undefined>('vscode.executeDefinitionProvider', document.uri, document.positionAt(symbol.offset));
      for (const location of (locations ?? []).slice(0, maxTargets)) {
        const uri = 'targetUri' in location ? location.targetUri : location.uri;
        const range = 'targetUri' in location ? (location.targetSelectionRange ?? location.targetRange) : location.range;
        if (uri.toString() === document.uri.toString() || /[\\/]node_modules[\\/]/.test(uri.path) || vscode.workspace.getWorkspaceFolder(uri) === undefined || this.excluded(uri)) {
          continue;
        }
        const target = await vscode.workspace.openTextDocument(uri);
        const declaration = declarationAt(target.getText(), range.start.line);
        versions.set(uri.toString(), versionOf(uri.toString()));
        found.push({ path: this.remember(uri), startLine: declaration.startLine, text: declaration.text, source: 'definition', symbol: symbol.name });
      }
    } catch (error) {
      // No definition provider for the language, or it failed: the context goes without this symbol.
      this.services.logger.debug(`Repository context: no definition of ${symbol.name} (${error instanceof Error ? error.message : String(error)})`);
    }
    this.definitionCache.set(document.uri.toString(), symbol.name, found, versions);
    return found;
  }

  private async readImport(folder: vscode.WorkspaceFolder, statement: ImportStatement, currentPath: string, languageId: string, signal: AbortSignal): Promise<ImportedFile[]> {
    const resolution = resolveImport(statement, currentPath, languageId);
    const limit = resolution.directorySuffixes.length > 0 ? 5 : 1;
    const key = `${folder.uri.toString()}\u0000${currentPath}\u0000${statement.specifier}`;
    const known = this.resolved.get(key);
    let uris = known !== undefined && Date.now() - known.at < resolvedForMs ? known.uris : undefined;
    if (uris === undefined) {
      const candidates: vscode.Uri[] = resolution.paths.map((p) => vscode.Uri.joinPath(folder.uri, p));
      for (const suffix of resolution.suffixes) {
        candidates.push(...(await vscode.workspace.findFiles(new vscode.RelativePattern(folder, `**/${suffix}`), '**/node_modules/**', 2)));
      }
      for (const dir of resolution.directorySuffixes) {
        candidates.push(...(await vscode.workspace.findFiles(new vscode.RelativePattern(folder, `**/${dir}/*.*`), '**/node_modules/**', 5)));
      }
      const found: vscode.Uri[] = [];
      for (const uri of candidates) {
        if (signal.aborted || found.length >= limit) {
          break;
        }
        if (await this.isFile(uri)) {
          found.push(uri);
        }
      }
      uris = found;
      if (this.resolved.size > 1000) {
        this.resolved.clear();
      }
      this.resolved.set(key, { at: Date.now(), uris });
    }
    const out: ImportedFile[] = [];
    for (const uri of uris) {
      const text = this.excluded(uri) ? undefined : await this.readText(uri);
      if (text !== undefined) {
        out.push({ path: this.remember(uri), text, names: statement.names });
      }
    }
    return out;
  }

  private async isFile(uri: vscode.Uri): Promise<boolean> {
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) {
      return true;
    }
    try {
      return (await vscode.workspace.fs.stat(uri)).type === vscode.FileType.File;
    } catch {
      return false;
    }
  }

  private async readText(uri: vscode.Uri): Promise<string | undefined> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open !== undefined) {
      return open.getText();
    }
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.type !== vscode.FileType.File || stat.size > maxImportBytes) {
        return undefined;
      }
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return undefined;
    }
  }
}
