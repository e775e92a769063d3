/**
 * The workspace index inside VS Code: builds it in the background on opening the workspace (restored from the
 * extension's workspace storage, so only changed files are re-read), follows file events, picks an embedding model
 * when one is installed, and tells its state to whoever listens (the status bar, the status command, chat).
 * Every folder of a multi-root workspace is indexed, in one index (one ranking), each folder with its own exclusions
 * (its `.gitignore` files, its `files.exclude`, its sensitive-file rules); files of a multi-root workspace are
 * named by folder and path (`api/src/a.ts`), as VS Code names them, which is also what a source chip shows.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { chooseEmbeddingModel } from '../../index/embedder';
import type { Embedder } from '../../index/embedder';
import { defaultMaxFileBytes, Exclusions } from '../../index/exclusions';
import { IndexStore } from '../../index/indexStore';
import { defaultThrottle, Throttle } from '../../index/throttle';
import { TreeSitterGrammars } from '../../index/treeSitter';
import type { IndexStatus, ProgressListener } from '../../index/types';
import type { IndexRoot } from '../../index/roots';
import { uniqueRootNames } from '../../index/roots';
import { WorkspaceIndex } from '../../index/workspaceIndex';
import type { ChunkRef, SearchHit } from '../../index/types';
import type { Services } from '../services';
import { editorForeground, followTyping } from './foregroundActivity';

/** What the index is doing. */
export type IndexActivity = 'off' | 'loading' | 'building' | 'embedding' | 'ready' | 'failed';

/** The index's state as the UI shows it. */
export interface IndexState extends IndexStatus {
  readonly activity: IndexActivity;
  /** 0–1 while building or embedding. */
  readonly progress: number | undefined;
  /** Why embeddings are off (no model installed, server error), undefined when on. */
  readonly lexicalOnlyReason: string | undefined;
  /** The indexed folders' names, comma-separated (undefined when none). */
  readonly folder: string | undefined;
}

/** An indexed folder and its name in keys. */
interface IndexedFolder {
  readonly folder: vscode.WorkspaceFolder;
  readonly name: string;
  readonly exclusions: Exclusions;
}

/** Pause between two queued file events, so a burst of saves (a branch switch) is taken calmly. */
const eventDelayMs = 150;

export class IndexService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<IndexState>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private index: WorkspaceIndex | undefined;
  private folders: readonly IndexedFolder[] = [];
  private activity: IndexActivity = 'off';
  private progress: number | undefined;
  private lexicalOnlyReason: string | undefined;
  private building: AbortController | undefined;
  private run: Promise<void> = Promise.resolve();
  private readonly queue = new Map<string, () => Promise<unknown>>();
  private draining = false;
  private toldLexical = false;
  private readonly grammars: TreeSitterGrammars;
  private watcher: vscode.Disposable | undefined;

  constructor(private readonly services: Services) {
    this.grammars = new TreeSitterGrammars(path.join(services.extension.extensionPath, 'dist', 'tree-sitter'), (m) => services.logger.warn(m));
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('tiered.index') || e.affectsConfiguration('files.exclude')) {
          this.restart();
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.restart()),
      followTyping(),
      vscode.workspace.onDidRenameFiles((e) => {
        for (const { oldUri, newUri } of e.files) {
          const from = this.keyOf(oldUri);
          const to = this.keyOf(newUri);
          if (from !== undefined && to !== undefined) {
            this.enqueue(`rename:${from}`, () => this.index?.rename(from, to) ?? Promise.resolve());
          }
        }
      }),
    );
  }

  /** The state now. */
  get state(): IndexState {
    const status = this.index?.status() ?? { files: 0, chunks: 0, embeddedChunks: 0, embeddingModel: undefined, lastUpdated: undefined };
    const names = this.folders.map((f) => f.folder.name).join(', ');
    return { ...status, activity: this.activity, progress: this.progress, lexicalOnlyReason: this.lexicalOnlyReason, folder: names === '' ? undefined : names };
  }

  /** Starts (or restarts) the index for the current workspace and settings. */
  restart(): void {
    this.building?.abort(new vscode.CancellationError());
    this.run = this.run.then(() => this.start()).catch((error: unknown) => this.fail(error));
  }

  /** Re-reads every file from scratch. */
  rebuild(): Promise<void> {
    this.building?.abort(new vscode.CancellationError());
    this.run = this.run.then(async () => {
      this.index = undefined;
      await this.start(true);
    }).catch((error: unknown) => this.fail(error));
    return this.run;
  }

  /** Stops a running build or embedding pass; the index keeps what it has. */
  cancel(): void {
    this.building?.abort(new vscode.CancellationError());
  }

  /** Resolves when the current build (if any) has finished. */
  whenIdle(): Promise<void> {
    return this.run;
  }

  /** The best chunks for a question (their paths are index keys: see {@link uriOf}); empty when the index is off. */
  async search(query: string, limit = 8, signal?: AbortSignal): Promise<readonly SearchHit[]> {
    return (await this.index?.search(query, limit, signal)) ?? [];
  }

  /** Chunks that define `name` (empty when the index is off). */
  definitionsOf(name: string): readonly ChunkRef[] {
    return this.index?.definitionsOf(name) ?? [];
  }

  /** The file an index key (a hit's path) names, undefined when it is in no indexed folder. */
  uriOf(key: string): vscode.Uri | undefined {
    if (this.folders.length === 1) {
      const only = this.folders[0];
      return only === undefined ? undefined : vscode.Uri.joinPath(only.folder.uri, key);
    }
    const slash = key.indexOf('/');
    const folder = this.folders.find((f) => f.name === key.slice(0, slash));
    return slash <= 0 || folder === undefined ? undefined : vscode.Uri.joinPath(folder.folder.uri, key.slice(slash + 1));
  }

  /** The current text of a hit's lines. */
  readChunk(hit: ChunkRef): Promise<string | undefined> {
    return this.index?.readChunk(hit) ?? Promise.resolve(undefined);
  }

  dispose(): void {
    this.building?.abort(new vscode.CancellationError());
    this.watcher?.dispose();
    vscode.Disposable.from(...this.disposables).dispose();
    void this.grammars.dispose();
  }

  private async start(fromScratch = false): Promise<void> {
    const settings = this.services.settings.current;
    // Folders on another file system (a remote without a local path) cannot be walked from here.
    const local = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    if (!settings['index.enabled'] || local.length === 0) {
      this.folders = [];
      this.index = undefined;
      this.setActivity('off');
      return;
    }
    await this.services.sensitiveFiles.ready;
    const names = uniqueRootNames(local.map((f) => f.name));
    this.folders = local.map((folder, i) => ({ folder, name: names[i] ?? folder.name, exclusions: this.exclusionsOf(folder) }));
    const roots: IndexRoot[] = this.folders.map((f) => ({ name: f.name, path: f.folder.uri.fsPath, exclusions: f.exclusions }));
    const storage = this.services.extension.storageUri ?? this.services.extension.globalStorageUri;
    // One index per set of folders (a single folder keeps the name it always had).
    const identity = roots.map((r) => (roots.length === 1 ? r.path : `${r.name}=${r.path}`)).join('\n');
    const store = new IndexStore(path.join(storage.fsPath, 'index', `${createHash('sha1').update(identity).digest('hex').slice(0, 16)}.jsonl`));
    if (fromScratch) {
      await store.clear();
    }
    const log = (m: string): void => this.services.logger.info(m);
    // The throttle yields to typing and to completion requests (the index never competes with the model).
    const throttle = new Throttle(defaultThrottle, editorForeground);
    this.index = new WorkspaceIndex({ roots, store, grammars: this.grammars, throttle, log });
    this.watch();
    this.setActivity('loading');
    const restored = await this.index.load();
    log(`index: ${restored.files} files restored from ${restored.fromSnapshot ? `${store.snapshotFile} and the records of ${store.file} after it` : store.file}${restored.dropped > 0 ? ` (${restored.dropped} torn or invalid records dropped)` : ''}`);
    const controller = new AbortController();
    this.building = controller;
    try {
      await this.withProgress('building', 'Tiered: indexing the workspace', (report) => this.index?.build(controller.signal, report));
      const status = this.index.status();
      log(`index: ${status.files} files, ${status.chunks} chunks`);
      this.setActivity('ready');
      await this.embed(controller.signal);
    } catch (error) {
      if (controller.signal.aborted) {
        log('index: build cancelled; the index keeps the files done so far');
        this.setActivity('ready');
        return;
      }
      throw error;
    } finally {
      if (this.building === controller) {
        this.building = undefined;
      }
    }
  }

  /** Picks the embedding model and embeds what is missing; any failure leaves the index lexical, said once. */
  private async embed(signal: AbortSignal): Promise<void> {
    const index = this.index;
    if (index === undefined) {
      return;
    }
    const embedder = await this.findEmbedder();
    index.setEmbedder(embedder);
    if (embedder === undefined) {
      this.changed.fire(this.state);
      return;
    }
    try {
      await this.withProgress('embedding', `Tiered: embedding the workspace index with ${embedder.model}`, (report) => index.embedPending(signal, report));
      this.lexicalOnlyReason = undefined;
    } catch (error) {
      if (signal.aborted) {
        throw error;
      }
      index.setEmbedder(undefined);
      this.lexicalOnly(`the embedding model ${embedder.model} failed (${error instanceof Error ? error.message : String(error)})`);
    }
    this.setActivity('ready');
  }

  private async findEmbedder(): Promise<Embedder | undefined> {
    const configured = this.services.settings.current['index.embeddingModel'];
    for (const backend of await this.services.backends.all()) {
      let models;
      try {
        models = await backend.listModels();
      } catch {
        continue;
      }
      const model = chooseEmbeddingModel(models, configured);
      if (model !== undefined) {
        return { model: model.name, embed: (texts, signal) => backend.embed(model.name, texts, signal) };
      }
    }
    this.lexicalOnly(configured !== '' ? `the embedding model ${configured} (tiered.index.embeddingModel) is not installed` : 'no embedding model is installed');
    return undefined;
  }

  /** Notes (in the log, once per window) that search is by words only, and why. */
  private lexicalOnly(reason: string): void {
    this.lexicalOnlyReason = reason;
    if (!this.toldLexical) {
      this.toldLexical = true;
      this.services.logger.info(`index: ${reason}, so the index is lexical only (it finds code by its words, not by meaning). To add meaning, install an embedding model (e.g. \`ollama pull nomic-embed-text\`) or set tiered.index.embeddingModel.`);
    }
  }

  private async withProgress<T>(activity: IndexActivity, title: string, work: (report: ProgressListener) => Promise<T> | undefined): Promise<T | undefined> {
    this.setActivity(activity, 0);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, async (progress) => {
      let last = 0;
      return work((done, total) => {
        const share = total === 0 ? 1 : done / total;
        progress.report({ message: `${done}/${total}`, increment: (share - last) * 100 });
        last = share;
        this.setActivity(activity, share);
      });
    });
  }

  /** A folder's exclusions: its `files.exclude` (resource-scoped: each folder may have its own) and sensitive files. */
  private exclusionsOf(folder: vscode.WorkspaceFolder): Exclusions {
    const filesExclude = vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, unknown>>('exclude') ?? {};
    return new Exclusions(folder.uri.fsPath, {
      maxFileBytes: defaultMaxFileBytes,
      globs: Object.entries(filesExclude).filter(([, on]) => on === true).map(([glob]) => glob),
      isExcluded: (relative) => this.services.sensitiveFiles.checkerFor(folder.uri)(relative) !== undefined,
    });
  }

  private watch(): void {
    const update = (uri: vscode.Uri): void => {
      const key = this.keyOf(uri);
      if (key === undefined) {
        return;
      }
      if (path.posix.basename(key) === '.gitignore') {
        this.folders.forEach((f) => f.exclusions.invalidate());
        this.restart();
        return;
      }
      this.enqueue(key, () => this.index?.update(key) ?? Promise.resolve());
    };
    const remove = (uri: vscode.Uri): void => {
      const key = this.keyOf(uri);
      if (key !== undefined) {
        this.enqueue(key, () => this.index?.remove(key) ?? Promise.resolve());
      }
    };
    this.watcher?.dispose();
    this.watcher = vscode.Disposable.from(
      ...this.folders.map(({ folder }) => {
        const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'));
        return vscode.Disposable.from(watcher, watcher.onDidChange(update), watcher.onDidCreate(update), watcher.onDidDelete(remove));
      }),
    );
  }

  /** Queues one file's update; a later event for the same path replaces an earlier one still waiting. */
  private enqueue(key: string, task: () => Promise<unknown>): void {
    this.queue.delete(key);
    this.queue.set(key, task);
    if (!this.draining) {
      this.draining = true;
      void this.drain();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.size > 0) {
        await new Promise((resolve) => setTimeout(resolve, eventDelayMs));
        // File events wait for a running build: it will see the file anyway, or the event applies after it.
        await this.run;
        const [key, task] = this.queue.entries().next().value ?? [];
        if (key === undefined || task === undefined) {
          break;
        }
        this.queue.delete(key);
        try {
          await task();
          this.changed.fire(this.state);
        } catch (error) {
          this.services.logger.warn(`index: could not update ${key}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** The index key of a file in one of the indexed folders (the innermost one holding it), else undefined. */
  private keyOf(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== 'file') {
      return undefined;
    }
    let best: { readonly name: string; readonly relative: string } | undefined;
    for (const { folder, name } of this.folders) {
      const relative = path.relative(folder.uri.fsPath, uri.fsPath);
      if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) && (best === undefined || relative.length < best.relative.length)) {
        best = { name, relative: relative.split(path.sep).join('/') };
      }
    }
    return best === undefined ? undefined : this.folders.length === 1 ? best.relative : `${best.name}/${best.relative}`;
  }

  private fail(error: unknown): void {
    this.services.logger.error(`index: ${error instanceof Error ? error.message : String(error)}`);
    this.setActivity('failed');
  }

  private setActivity(activity: IndexActivity, progress?: number): void {
    this.activity = activity;
    this.progress = progress;
    this.changed.fire(this.state);
  }
}
