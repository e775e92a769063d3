import * as path from 'node:path';
import * as vscode from 'vscode';
import { confirmQuestion } from '../../context/exclusionGates';
import { compileExclusions, describeExclusion, excludeSettingId, ignoreFileName } from '../../context/sensitiveFiles';
import type { Exclusion, ExclusionCheck, ExclusionRules } from '../../context/sensitiveFiles';
import type { Logger } from '../../util/logger';

/** A file that is excluded, its path as the rules saw it, and why. */
export interface ExcludedFile {
  /** Relative to its workspace folder, or the absolute path of a file outside every folder. */
  readonly path: string;
  readonly exclusion: Exclusion;
  /** "`.env` is excluded by the built-in exclusion `.env` (environment files often hold secrets)." */
  readonly sentence: string;
}

const settingKey = excludeSettingId.replace(/^tiered\./, '');

/**
 * The VS Code side of the sensitive-file rules (`context/sensitiveFiles.ts`): reads `tiered.context.exclude`
 * from every settings scope (added up: a workspace can add patterns, never drop the user's) and each workspace
 * folder's `.tieredignore`, watches both, and answers "may this document reach a model?" for every context source.
 */
export class SensitiveFileGuard implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private folderWatchers: vscode.Disposable[] = [];
  /** Per workspace folder (by URI); `outside` for files in no folder (built-ins and the user's globs only). */
  private rules = new Map<string, ExclusionRules>();
  private outside: ExclusionRules = compileExclusions();
  private loading: Promise<void>;
  private readonly reported = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();

  /** Fired after the rules were read again (a setting or a `.tieredignore` changed). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly logger: Logger) {
    this.disposables.push(this.changed);
    this.loading = this.safeReload();
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration(excludeSettingId) && this.scheduleReload(), undefined, this.disposables);
    vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleReload(), undefined, this.disposables);
  }

  /** Resolves once the rules in force have been read (the `.tieredignore` files are read asynchronously). */
  get ready(): Promise<void> {
    return this.loading;
  }

  /** Why the document may not reach a model, or undefined when it may. Uses the rules read so far (see {@link ready}). */
  check(uri: vscode.Uri): ExcludedFile | undefined {
    const { rules, relative } = this.locate(uri);
    const exclusion = rules.check(relative);
    return exclusion === undefined ? undefined : { path: relative, exclusion, sentence: describeExclusion(relative, exclusion) };
  }

  /** {@link check} after the rules in force have been read: for a request about to be sent. */
  async checkWhenReady(uri: vscode.Uri): Promise<ExcludedFile | undefined> {
    await this.loading;
    return this.check(uri);
  }

  /**
   * A check on workspace-relative paths of one folder (the `@` picker's list), for the pure gates.
   * Paths of a file in no folder are absolute and checked against the built-ins and the user's globs.
   */
  checkerFor(folder: vscode.Uri | undefined): ExclusionCheck {
    const rules = folder === undefined ? this.outside : (this.rules.get(folder.toString()) ?? this.outside);
    return rules.check;
  }

  /**
   * Asks before an excluded file the user chose explicitly is sent (a modal with a clear choice). True when the
   * file is not excluded or the user said yes; false (and nothing is sent) otherwise.
   * @param action the question's verb phrase, e.g. "Attach it to the chat anyway".
   * @param confirmLabel the button, e.g. "Attach Anyway".
   */
  async confirm(uri: vscode.Uri, action: string, confirmLabel: string): Promise<boolean> {
    const excluded = await this.checkWhenReady(uri);
    if (excluded === undefined) {
      return true;
    }
    const choice = await vscode.window.showWarningMessage(confirmQuestion(excluded.path, excluded.exclusion, action), { modal: true, detail: 'Only this one request is affected: the file stays excluded everywhere else (completions, automatic attachments, definitions).' }, confirmLabel);
    const yes = choice === confirmLabel;
    this.logger.info(`Sensitive file ${excluded.path}: the user was asked (${action}) and ${yes ? 'confirmed' : 'declined'}.`);
    return yes;
  }

  dispose(): void {
    vscode.Disposable.from(...this.folderWatchers, ...this.disposables).dispose();
  }

  /** The folder's rules and the path relative to it (any scheme: notebook cells and diff views share the file's path). */
  private locate(uri: vscode.Uri): { readonly rules: ExclusionRules; readonly relative: string } {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const relative = path.posix.relative(folder.uri.path, uri.path);
      if (relative !== '' && !relative.startsWith('../') && relative !== '..' && !path.posix.isAbsolute(relative)) {
        return { rules: this.rules.get(folder.uri.toString()) ?? this.outside, relative };
      }
    }
    return { rules: this.outside, relative: uri.scheme === 'untitled' ? path.posix.basename(uri.path) : uri.path };
  }

  private scheduleReload(): void {
    const previous = this.loading;
    // Chained, so a check waits for the newest rules and two reloads never interleave.
    this.loading = previous.then(() => this.safeReload());
  }

  /** A reload that cannot fail the chain: on an unexpected error the rules read before stay in force. */
  private async safeReload(): Promise<void> {
    try {
      await this.reload();
    } catch (error) {
      this.logger.error(`Sensitive files: the exclusion rules could not be read again (${error instanceof Error ? error.message : String(error)}); the previous rules stay in force.`);
    }
  }

  private async reload(): Promise<void> {
    vscode.Disposable.from(...this.folderWatchers).dispose();
    this.folderWatchers = [];
    const folders = vscode.workspace.workspaceFolders ?? [];
    const next = new Map<string, ExclusionRules>();
    const global = vscode.workspace.getConfiguration('tiered').inspect<unknown>(settingKey)?.globalValue;
    const outside = compileExclusions({ settingValues: [global] });
    for (const folder of folders) {
      const inspected = vscode.workspace.getConfiguration('tiered', folder.uri).inspect<unknown>(settingKey);
      const ignoreUri = vscode.Uri.joinPath(folder.uri, ignoreFileName);
      const ignoreFileText = await this.readIgnoreFile(ignoreUri);
      const rules = compileExclusions({
        settingValues: [inspected?.globalValue, inspected?.workspaceValue, inspected?.workspaceFolderValue],
        ...(ignoreFileText !== undefined ? { ignoreFileText } : {}),
      });
      next.set(folder.uri.toString(), rules);
      this.report(rules, ignoreUri);
      this.logger.info(
        `Sensitive files in ${folder.name}: built-in exclusions${rules.settingPatterns.length > 0 ? `, ${rules.settingPatterns.length} from ${excludeSettingId}` : ''}${ignoreFileText !== undefined ? `, ${rules.ignoreFileRules} rule(s) from ${ignoreFileName}` : ''}.`,
      );
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, ignoreFileName));
      const again = (): void => this.scheduleReload();
      this.folderWatchers.push(watcher, watcher.onDidCreate(again), watcher.onDidChange(again), watcher.onDidDelete(again));
    }
    if (folders.length === 0) {
      this.report(outside, undefined);
    }
    this.rules = next;
    this.outside = outside;
    this.changed.fire();
  }

  /** The file's text; undefined when there is none. A file that cannot be read is reported (its rules cannot apply). */
  private async readIgnoreFile(uri: vscode.Uri): Promise<string | undefined> {
    try {
      return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
    } catch (error) {
      if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') {
        return undefined;
      }
      const message = `${ignoreFileName} could not be read (${error instanceof Error ? error.message : String(error)}); its rules do not apply until it can be. The built-in exclusions and ${excludeSettingId} still do.`;
      this.warnOnce(message, undefined);
      return undefined;
    }
  }

  private report(rules: ExclusionRules, ignoreUri: vscode.Uri | undefined): void {
    for (const problem of rules.problems) {
      this.warnOnce(problem.message, problem.source === 'ignoreFile' ? ignoreUri : undefined);
    }
  }

  /** Logged every time, shown once per session: a broken rule is never silent, and never nags. */
  private warnOnce(message: string, file: vscode.Uri | undefined): void {
    this.logger.warn(message);
    if (this.reported.has(message)) {
      return;
    }
    this.reported.add(message);
    const open = file !== undefined ? `Open ${ignoreFileName}` : 'Open Settings';
    void vscode.window.showWarningMessage(`Tiered: ${message}`, open).then((choice) => {
      if (choice === undefined) {
        return;
      }
      if (file !== undefined) {
        void vscode.window.showTextDocument(file);
      } else {
        void vscode.commands.executeCommand('workbench.action.openSettings', excludeSettingId);
      }
    });
  }
}
