import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtinPromptEntries } from '../../prompts/builtins';
import { mergeSources } from '../../prompts/library';
import type { LibrarySnapshot } from '../../prompts/library';
import { PromptFolder, PromptTrash } from '../../prompts/promptFolder';
import type { PromptEntry } from '../../prompts/types';
import { UsageStats, usageKey } from '../../prompts/usageStats';
import type { PromptUsage } from '../../prompts/usageStats';
import type { Logger } from '../../util/logger';

/** Where workspace prompts live inside each workspace folder (shareable in git). */
export const workspacePromptDir = path.join('.tiered', 'prompts');

/** A workspace prompt folder with the workspace folder it belongs to. */
export interface WorkspacePromptFolder {
  readonly workspaceFolder: vscode.WorkspaceFolder;
  readonly folder: PromptFolder;
}

/**
 * The library as the UI sees it: the folders (one per local workspace folder, the user folder in global storage),
 * the built-ins, the usage stats, and the latest merged snapshot. Reloads on file changes (debounced).
 */
export class PromptLibraryService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LibrarySnapshot>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private watchers: vscode.Disposable[] = [];
  private current: LibrarySnapshot = mergeSources({ builtin: builtinPromptEntries() });
  private reloadTimer: NodeJS.Timeout | undefined;
  private loading: Promise<LibrarySnapshot> | undefined;
  private again = false;
  readonly trash: PromptTrash;
  readonly user: PromptFolder;
  readonly stats: UsageStats;
  private workspace: WorkspacePromptFolder[] = [];

  readonly onDidChange = this.changed.event;

  constructor(
    context: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {
    const storage = context.globalStorageUri.fsPath;
    this.trash = new PromptTrash(path.join(storage, 'prompt-trash'));
    this.user = new PromptFolder(path.join(storage, 'prompts'), 'user', this.trash);
    this.stats = new UsageStats(context.globalState);
    this.buildWorkspaceFolders();
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.buildWorkspaceFolders();
        this.scheduleReload();
      }),
    );
  }

  get snapshot(): LibrarySnapshot {
    return this.current;
  }

  get workspaceFolders(): readonly WorkspacePromptFolder[] {
    return this.workspace;
  }

  /** The folder that holds an entry's file (undefined for built-ins). */
  folderOf(entry: PromptEntry): PromptFolder | undefined {
    if (entry.file === undefined) {
      return undefined;
    }
    const dir = path.dirname(entry.file);
    if (entry.source === 'user') {
      return this.user;
    }
    return this.workspace.find((w) => path.resolve(w.folder.dir) === path.resolve(dir))?.folder;
  }

  usage(entry: PromptEntry): PromptUsage {
    return this.stats.get(usageKey(entry));
  }

  /** Re-reads every folder now; concurrent calls share one read (and one more runs if asked meanwhile). */
  reload(): Promise<LibrarySnapshot> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load().finally(() => {
      this.loading = undefined;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.loading;
  }

  /** Reloads after a short quiet period (file events come in bursts). */
  scheduleReload(): void {
    if (this.reloadTimer) {
      clearTimeout(this.reloadTimer);
    }
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reload();
    }, 150);
  }

  /** Tells listeners that usage changed (favorites, counts), without re-reading files. */
  notifyUsageChanged(): void {
    this.changed.fire(this.current);
  }

  dispose(): void {
    if (this.reloadTimer) {
      clearTimeout(this.reloadTimer);
    }
    vscode.Disposable.from(...this.watchers, ...this.disposables).dispose();
  }

  private async load(): Promise<LibrarySnapshot> {
    const [workspaceLists, user] = await Promise.all([Promise.all(this.workspace.map((w) => w.folder.list())), this.user.list()]);
    this.current = mergeSources({ workspace: workspaceLists.flat(), user, builtin: builtinPromptEntries() });
    const broken = this.current.entries.filter((e) => e.definition === undefined).length;
    this.logger.info(`Prompt library: ${this.current.effective.length} prompts${broken > 0 ? `, ${broken} malformed` : ''}.`);
    this.changed.fire(this.current);
    return this.current;
  }

  private buildWorkspaceFolders(): void {
    vscode.Disposable.from(...this.watchers).dispose();
    this.watchers = [];
    this.workspace = (vscode.workspace.workspaceFolders ?? [])
      .filter((wf) => wf.uri.scheme === 'file')
      .map((workspaceFolder) => ({ workspaceFolder, folder: new PromptFolder(path.join(workspaceFolder.uri.fsPath, workspacePromptDir), 'workspace', this.trash) }));
    const patterns = [
      ...this.workspace.map((w) => new vscode.RelativePattern(w.workspaceFolder, `${workspacePromptDir.split(path.sep).join('/')}/*.prompt.md`)),
      new vscode.RelativePattern(vscode.Uri.file(this.user.dir), '*.prompt.md'),
    ];
    for (const pattern of patterns) {
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const reload = (): void => this.scheduleReload();
      this.watchers.push(watcher, watcher.onDidCreate(reload), watcher.onDidChange(reload), watcher.onDidDelete(reload));
    }
  }
}
