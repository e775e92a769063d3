import * as vscode from 'vscode';
import type { ActivitySource } from '../connectionStatusBar';

/** Long-running onboarding work (pulls, benchmark runs) that the status bar shows as "generating". */
export class OnboardingActivity implements ActivitySource {
  private readonly tasks = new Map<number, string>();
  private nextId = 1;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  /** Marks work as running; dispose the result when it ends. */
  begin(label: string): vscode.Disposable {
    const id = this.nextId++;
    this.tasks.set(id, label);
    this.changed.fire();
    return new vscode.Disposable(() => {
      this.tasks.delete(id);
      this.changed.fire();
    });
  }

  readonly busy = (): string | undefined => (this.tasks.size === 0 ? undefined : [...this.tasks.values()].join(', '));
}

/** One per extension host, shared by the status bar feature and the onboarding commands. */
export const onboardingActivity = new OnboardingActivity();
