import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { builtinPromptEntries } from '../../prompts/builtins';
import { legacyPromptFileExtension, promptFileExtension } from '../../prompts/format';
import { mergeSources } from '../../prompts/library';
import type { LibrarySnapshot } from '../../prompts/library';
import { PromptFolder, PromptTrash } from '../../prompts/promptFolder';
import type { PromptEntry } from '../../prompts/types';
import { UsageStats, usageKey } from '../../prompts/usageStats';
import type { PromptUsage } from '../../prompts/usageStats';
import type { Logger } from '../../util/logger';
import { commandIds } from '../commands/commandIds';

/** Where workspace prompts live inside each workspace folder (shareable in git). */
export const workspacePromptDir = path.join('.tiered', 'prompts');

/** Prompt files and old-style ones (watched too: an old file that appears, e.g. by a git checkout, is migrated). */
function isStoredPromptName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith(promptFileExtension) || lower.endsWith(legacyPromptFileExtension);
}

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
  private pollTimer: NodeJS.Timeout | undefined;
  private lastSignature = '';
  private toldMigrated = false;
  private toldFailed = false;
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
    const isPromptFile = (uri: vscode.Uri): boolean => uri.scheme === 'file' && isStoredPromptName(uri.path);
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.buildWorkspaceFolders();
        this.scheduleReload();
      }),
      // Changes made inside VS Code are reported reliably even when the OS file watcher is slow or out of handles.
      vscode.workspace.onDidSaveTextDocument((d) => isPromptFile(d.uri) && this.scheduleReload()),
      vscode.workspace.onDidCreateFiles((e) => e.files.some(isPromptFile) && this.scheduleReload()),
      vscode.workspace.onDidDeleteFiles((e) => e.files.some(isPromptFile) && this.scheduleReload()),
      vscode.workspace.onDidRenameFiles((e) => e.files.some((f) => isPromptFile(f.oldUri) || isPromptFile(f.newUri)) && this.scheduleReload()),
    );
    // Fallback for changes made outside VS Code that the file watcher missed (e.g. a git checkout while the OS
    // watcher is out of handles): a cheap listing + stat of the prompt folders every few seconds.
    this.pollTimer = setInterval(() => {
      if (this.loading === undefined) {
        void this.signature().then((sig) => {
          if (sig !== this.lastSignature) {
            this.scheduleReload();
          }
        });
      }
    }, 5000);
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
        this.reloadInBackground();
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
      this.reloadInBackground();
    }, 150);
  }

  /** A reload nobody waits for: a failure is logged (the previous snapshot stays). */
  reloadInBackground(): void {
    this.reload().catch((error: unknown) => this.logger.error(`Prompt library: reload failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Tells listeners that usage changed (favorites, counts), without re-reading files. */
  notifyUsageChanged(): void {
    this.changed.fire(this.current);
  }

  dispose(): void {
    if (this.reloadTimer) {
      clearTimeout(this.reloadTimer);
    }
    if (this.pollTimer) {
      clearInterval(this.pollTimer);
    }
    vscode.Disposable.from(...this.watchers, ...this.disposables).dispose();
  }

  /** Names, sizes and modification times of every prompt file: changes when any file is added, removed or edited. */
  private async signature(): Promise<string> {
    const dirs = [...this.workspace.map((w) => w.folder.dir), this.user.dir];
    const parts = await Promise.all(
      dirs.map(async (dir) => {
        let names: string[];
        try {
          names = (await fs.readdir(dir)).filter(isStoredPromptName).sort();
        } catch {
          return `${dir}:-`;
        }
        const stats = await Promise.all(names.map((n) => fs.stat(path.join(dir, n)).then((st) => `${n}:${st.size}:${st.mtimeMs}`, () => `${n}:?`)));
        return `${dir}:${stats.join('|')}`;
      }),
    );
    return parts.join('\n');
  }

  private async load(): Promise<LibrarySnapshot> {
    await this.migrateLegacyFiles();
    this.lastSignature = await this.signature();
    const [workspaceLists, user] = await Promise.all([Promise.all(this.workspace.map((w) => w.folder.list())), this.user.list()]);
    this.current = mergeSources({ workspace: workspaceLists.flat(), user, builtin: builtinPromptEntries() });
    const broken = this.current.entries.filter((e) => e.definition === undefined).length;
    this.logger.info(`Prompt library: ${this.current.effective.length} prompts${broken > 0 ? `, ${broken} malformed` : ''}.`);
    this.changed.fire(this.current);
    return this.current;
  }

  /**
   * Moves old `*.prompt.md` files to `*.tiered.md` before reading (VS Code 1.100 checks `*.prompt.md` as its own
   * prompt files, flooding Problems). Crash-safe and never overwrites (see prompts/migration.ts); said once.
   */
  private async migrateLegacyFiles(): Promise<void> {
    const results = await Promise.all([...this.workspace.map((w) => w.folder), this.user].map((f) => f.migrateLegacyFiles()));
    const renamed = results.flatMap((r) => r.renamed);
    const failed = results.flatMap((r) => r.failed);
    for (const r of renamed) {
      this.logger.info(`Prompts: renamed ${r.from} to ${path.basename(r.to)} (VS Code checks *.prompt.md files as its own prompt files).`);
    }
    for (const c of results.flatMap((r) => r.completed)) {
      this.logger.info(`Prompts: finished an interrupted rename: ${c.from} removed, its content is in ${path.basename(c.sameAs)}.`);
    }
    for (const f of failed) {
      this.logger.warn(`Prompts: could not rename ${f.file} to ${promptFileExtension} (${f.reason}); it is left as it is and retried on the next reload.`);
    }
    if (renamed.length > 0 && !this.toldMigrated) {
      this.toldMigrated = true;
      void vscode.window.showInformationMessage(
        `Tiered: ${renamed.length} saved prompt file${renamed.length === 1 ? ' was' : 's were'} renamed from *.prompt.md to *${promptFileExtension}, because VS Code now checks *.prompt.md files as its own. Nothing else changed; in a shared repository, commit the renames.`,
      );
    }
    if (failed.length > 0 && !this.toldFailed) {
      this.toldFailed = true;
      void vscode.window
        .showWarningMessage(`Tiered: ${failed.length} prompt file${failed.length === 1 ? '' : 's'} could not be renamed to *${promptFileExtension} and ${failed.length === 1 ? 'is' : 'are'} not in the library yet: ${failed.map((f) => path.basename(f.file)).join(', ')}.`, 'Show Log')
        .then((choice) => choice && vscode.commands.executeCommand(commandIds.showLog));
    }
  }

  private buildWorkspaceFolders(): void {
    vscode.Disposable.from(...this.watchers).dispose();
    this.watchers = [];
    this.workspace = (vscode.workspace.workspaceFolders ?? [])
      .filter((wf) => wf.uri.scheme === 'file')
      .map((workspaceFolder) => ({ workspaceFolder, folder: new PromptFolder(path.join(workspaceFolder.uri.fsPath, workspacePromptDir), 'workspace', this.trash) }));
    const patterns = [
      ...this.workspace.map((w) => new vscode.RelativePattern(w.workspaceFolder, `${workspacePromptDir.split(path.sep).join('/')}/*.{tiered,prompt}.md`)),
      new vscode.RelativePattern(vscode.Uri.file(this.user.dir), '*.{tiered,prompt}.md'),
    ];
    for (const pattern of patterns) {
      const watcher = vscode.workspace.createFileSystemWatcher(pattern);
      const reload = (): void => this.scheduleReload();
      this.watchers.push(watcher, watcher.onDidCreate(reload), watcher.onDidChange(reload), watcher.onDidDelete(reload));
    }
  }
}
