import * as vscode from 'vscode';
import { settingsSection } from '../settings/schema';
import type { Settings, UserOnlySettingKey } from '../settings/schema';
import { userOnlyKeysSetIn } from '../settings/workspaceSettingsFile';
import type { WorkspaceSettingsFileKind } from '../settings/workspaceSettingsFile';
import type { Logger } from '../util/logger';

/**
 * Tells the user, once per window and setting, that Tiered ignores a connection setting (where data goes, which
 * key is used) that the open workspace sets: in the log and in a warning with "Open User Settings". Never silent.
 *
 * VS Code hides `application`-scoped workspace values from `inspect()`, so the workspace's settings files are read
 * as well (and re-read when they change). This only reports: the settings reader ignores those values regardless.
 */
export class WorkspaceOverrideNotices implements vscode.Disposable {
  private readonly told = new Set<UserOnlySettingKey>();
  private readonly disposables: vscode.Disposable[] = [];
  private scanning: Promise<void> = Promise.resolve();

  constructor(
    private readonly logger: Logger,
    private readonly current: () => Settings,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.vscode/settings.json');
    const rescan = (): void => this.check([]);
    this.disposables.push(watcher, watcher.onDidCreate(rescan), watcher.onDidChange(rescan), vscode.workspace.onDidChangeWorkspaceFolders(rescan));
  }

  /** Reports `reported` (user-only keys VS Code says the workspace sets) and whatever the workspace files set. */
  check(reported: readonly UserOnlySettingKey[]): void {
    // One scan at a time, so a burst of changes cannot report a key twice.
    this.scanning = this.scanning.then(() => this.scan(reported)).catch((error: unknown) => {
      this.logger.warn(`Could not read the workspace's settings files: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** Resolves when the checks asked for so far are done (tests, and callers that report right after). */
  settled(): Promise<void> {
    return this.scanning;
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private async scan(reported: readonly UserOnlySettingKey[]): Promise<void> {
    const found = new Map<UserOnlySettingKey, string>(reported.map((key) => [key, "this workspace's settings"]));
    for (const { uri, kind } of workspaceSettingsFiles()) {
      const text = await readText(uri);
      if (text !== undefined) {
        for (const key of userOnlyKeysSetIn(text, kind)) {
          found.set(key, vscode.workspace.asRelativePath(uri));
        }
      }
    }
    const fresh = [...found.entries()].filter(([key]) => !this.told.has(key));
    if (fresh.length === 0) {
      return;
    }
    const settings = this.current();
    for (const [key, where] of fresh) {
      this.told.add(key);
      this.logger.warn(
        `Ignored "${settingsSection}.${key}" set by ${where}: where your code goes and which API key is used come only from your user settings. Using your own value: ${JSON.stringify(settings[key])}.`,
      );
    }
    const ids = fresh.map(([key]) => `"${settingsSection}.${key}"`).join(', ');
    // Not awaited: the next scan must not wait for the user to answer.
    void vscode.window
      .showWarningMessage(
        `Tiered ignores ${ids} from this workspace's settings: where your code goes and which API key is used come only from your user settings. ` +
          `Using your own: ${fresh.map(([key]) => shortValue(settings[key])).join(', ')}.`,
        'Open User Settings',
      )
      .then((choice) => {
        if (choice) {
          void vscode.commands.executeCommand('workbench.action.openGlobalSettings', { query: `${settingsSection}.${fresh[0]?.[0] ?? ''}` });
        }
      });
  }
}

/** Files whose settings apply to this window as workspace or folder settings. */
function workspaceSettingsFiles(): { uri: vscode.Uri; kind: WorkspaceSettingsFileKind }[] {
  const files: { uri: vscode.Uri; kind: WorkspaceSettingsFileKind }[] = (vscode.workspace.workspaceFolders ?? []).map((f) => ({
    uri: vscode.Uri.joinPath(f.uri, '.vscode', 'settings.json'),
    kind: 'settings',
  }));
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile !== undefined && workspaceFile.scheme !== 'untitled') {
    files.push({ uri: workspaceFile, kind: 'workspace' });
  }
  return files;
}

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined; // no such file: nothing set there
  }
}

function shortValue(value: unknown): string {
  if (value === '' || (Array.isArray(value) && value.length === 0)) {
    return 'none';
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
