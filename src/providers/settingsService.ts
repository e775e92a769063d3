import * as vscode from 'vscode';
import { readSettings } from '../settings/readSettings';
import type { SettingProblem } from '../settings/readSettings';
import { settingsSection } from '../settings/schema';
import type { Settings } from '../settings/schema';
import type { Logger } from '../util/logger';

/**
 * The current settings, validated, re-read when `tiered.*` changes. An invalid value is reported
 * once (naming the setting) and replaced by its default; it never throws at the user.
 */
export class SettingsService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Settings>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private readonly reported = new Set<string>();
  private value: Settings;
  private problemList: readonly SettingProblem[] = [];

  readonly onDidChange = this.changed.event;

  constructor(private readonly logger: Logger) {
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

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }

  private read(): Settings {
    const { settings, problems } = readSettings(vscode.workspace.getConfiguration(settingsSection));
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
    return settings;
  }
}
