import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import { readSettings } from '../settings/readSettings';
import type { SettingProblem } from '../settings/readSettings';
import { isUserOnlySetting, settingsSection } from '../settings/schema';
import type { SettingKey, Settings } from '../settings/schema';
import type { Logger } from '../util/logger';
import { WorkspaceOverrideNotices } from './workspaceOverrideNotices';

/**
 * The current settings, validated, re-read when `tiered.*` changes. An invalid value is reported
 * once (naming the setting) and replaced by its default; it never throws at the user.
 * Connection settings come from the user's own settings only; a workspace value of one is ignored and reported.
 */
export class SettingsService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Settings>();
  private readonly notices: WorkspaceOverrideNotices;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private readonly reported = new Set<string>();
  private value: Settings;
  private problemList: readonly SettingProblem[] = [];

  readonly onDidChange = this.changed.event;

  constructor(private readonly logger: Logger) {
    this.notices = new WorkspaceOverrideNotices(logger, () => this.value);
    this.disposables.push(this.notices);
    this.value = this.read();
    vscode.workspace.onDidChangeConfiguration(
      (e) => {
        if (e.affectsConfiguration(settingsSection)) {
          this.value = this.read();
          this.changed.fire(this.value);
        }
      },
      undefined,
      this.disposables,
    );
  }

  get current(): Settings {
    return this.value;
  }

  /** Settings that were rejected at the last read. */
  get problems(): readonly SettingProblem[] {
    return this.problemList;
  }

  /** The user's own value of `key` as written in their settings (not validated, no workspace value merged in). */
  userValue(key: SettingKey): unknown {
    return vscode.workspace.getConfiguration(settingsSection).inspect(key)?.globalValue;
  }

  /**
   * Writes the user's own values (user settings; `undefined` removes one), never a merged copy of workspace
   * values, and tells the user when this workspace sets one of them to something else, which wins in this window.
   * Returns the keys so shadowed, for the caller's own message.
   */
  async writeUser(values: Partial<Record<SettingKey, unknown>>): Promise<SettingKey[]> {
    const config = vscode.workspace.getConfiguration(settingsSection);
    const keys = Object.keys(values).filter((k): k is SettingKey => k in this.value);
    for (const key of keys) {
      await config.update(key, values[key], vscode.ConfigurationTarget.Global);
    }
    const after = vscode.workspace.getConfiguration(settingsSection);
    const shadowed = keys.filter((key) => {
      if (isUserOnlySetting(key) || values[key] === undefined) {
        return false; // a workspace value of these is ignored anyway
      }
      const levels = after.inspect(key);
      const workspace = levels?.workspaceFolderValue ?? levels?.workspaceValue;
      return workspace !== undefined && !isDeepStrictEqual(workspace, values[key]);
    });
    if (shadowed.length > 0) {
      const which = shadowed.map((k) => `"${settingsSection}.${k}" to ${JSON.stringify(after.get(k))}`).join(', ');
      this.logger.info(`Saved in user settings, but this workspace sets ${which}, which wins in this window.`);
      void vscode.window
        .showWarningMessage(`Tiered: your choice is saved in your user settings, but this workspace's settings set ${which}, which wins in this window.`, 'Open Workspace Settings')
        .then((choice) => {
          if (choice) {
            void vscode.commands.executeCommand('workbench.action.openWorkspaceSettings', { query: `${settingsSection}.${shadowed[0] ?? ''}` });
          }
        });
    }
    return shadowed;
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private read(): Settings {
    const { settings, problems, workspaceIgnored } = readSettings(vscode.workspace.getConfiguration(settingsSection));
    this.problemList = problems;
    for (const problem of problems) {
      this.logger.warn(problem.message);
      if (!this.reported.has(problem.message)) {
        this.reported.add(problem.message);
        void vscode.window.showWarningMessage(`Tiered: ${problem.message}`, 'Open Settings').then((choice) => {
          if (choice) {
            void vscode.commands.executeCommand('workbench.action.openSettings', problem.setting);
          }
        });
      }
    }
    this.notices.check(workspaceIgnored);
    return settings;
  }
}
