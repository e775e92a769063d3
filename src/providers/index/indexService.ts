/**
 * The workspace index inside VS Code: builds it in the background on opening the workspace (restored from the
 * extension's workspace storage, so only changed files are re-read), follows file events, picks an embedding model
 * when one is installed, and tells its state to whoever listens (the status bar, the status command, chat).
 * Only the first workspace folder is indexed.
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
  readonly folder: string | undefined;
}

/** Pause between two queued file events, so a burst of saves (a branch switch) is taken calmly. */
const eventDelayMs = 150;

export class IndexService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<IndexState>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private index: WorkspaceIndex | undefined;
  private folder: vscode.WorkspaceFolder | undefined;
  private exclusions: Exclusions | undefined;
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
          const from = this.relative(oldUri);
          const to = this.relative(newUri);
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
    return { ...status, activity: this.activity, progress: this.progress, lexicalOnlyReason: this.lexicalOnlyReason, folder: this.folder?.name };
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

  /** The best chunks for a question, with their folder; empty when the index is off. */
  async search(query: string, limit = 8, signal?: AbortSignal): Promise<{ readonly hits: readonly SearchHit[]; readonly folder: vscode.Uri | undefined }> {
    return { hits: (await this.index?.search(query, limit, signal)) ?? [], folder: this.folder?.uri };
  }

  /** Chunks that define `name`, with their folder (empty when the index is off). */
  definitionsOf(name: string): { readonly refs: readonly ChunkRef[]; readonly folder: vscode.Uri | undefined } {
    return { refs: this.index?.definitionsOf(name) ?? [], folder: this.folder?.uri };
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
    this.folder = vscode.workspace.workspaceFolders?.[0];
    if (!settings['index.enabled'] || this.folder === undefined || this.folder.uri.scheme !== 'file') {
      this.index = undefined;
      this.setActivity('off');
      return;
    }
    const folder = this.folder;
    const root = folder.uri.fsPath;
    await this.services.sensitiveFiles.ready;
    const filesExclude = vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, unknown>>('exclude') ?? {};
    this.exclusions = new Exclusions(root, {
      maxFileBytes: defaultMaxFileBytes,
      globs: Object.entries(filesExclude).filter(([, on]) => on === true).map(([glob]) => glob),
      isExcluded: (relative) => this.services.sensitiveFiles.checkerFor(folder.uri)(relative) !== undefined,
    });
    const storage = this.services.extension.storageUri ?? this.services.extension.globalStorageUri;
    const store = new IndexStore(path.join(storage.fsPath, 'index', `${createHash('sha1').update(root).digest('hex').slice(0, 16)}.jsonl`));
    if (fromScratch) {
      await store.clear();
    }
    const log = (m: string): void => this.services.logger.info(m);
    // The throttle yields to typing and to completion requests (the index never competes with the model).
    const throttle = new Throttle(defaultThrottle, editorForeground);
    this.index = new WorkspaceIndex({ root, store, exclusions: this.exclusions, grammars: this.grammars, throttle, log });
    this.watch(folder);
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

  private watch(folder: vscode.WorkspaceFolder): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*'));
    const update = (uri: vscode.Uri): void => {
      const relative = this.relative(uri);
      if (relative === undefined) {
        return;
      }
      if (path.posix.basename(relative) === '.gitignore') {
        this.exclusions?.invalidate();
        this.restart();
        return;
      }
      this.enqueue(relative, () => this.index?.update(relative) ?? Promise.resolve());
    };
    const remove = (uri: vscode.Uri): void => {
      const relative = this.relative(uri);
      if (relative !== undefined) {
        this.enqueue(relative, () => this.index?.remove(relative) ?? Promise.resolve());
      }
    };
    this.watcher?.dispose();
    this.watcher = vscode.Disposable.from(watcher, watcher.onDidChange(update), watcher.onDidCreate(update), watcher.onDidDelete(remove));
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

  private relative(uri: vscode.Uri): string | undefined {
    if (this.folder === undefined || uri.scheme !== 'file') {
      return undefined;
    }
    const relative = path.relative(this.folder.uri.fsPath, uri.fsPath);
    return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative.split(path.sep).join('/');
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
