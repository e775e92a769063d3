import * as vscode from 'vscode';
import type { PipelineState } from '../../completion/pipeline';
import { commandIds } from '../commands/commandIds';

const icons: Record<PipelineState, string> = {
  idle: '$(sparkle)',
  waiting: '$(watch)',
  generating: '$(loading~spin)',
  error: '$(warning)',
  disabled: '$(circle-slash)',
};

const labels: Record<PipelineState, string> = {
  idle: 'ready',
  waiting: 'waiting for you to pause',
  generating: 'generating',
  error: 'error — click for details',
  disabled: 'off here',
};

/** The completion status bar item: state and model; click for the completion menu. */
export class CompletionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tiered.completion', vscode.StatusBarAlignment.Right, 99);
  private state: PipelineState = 'idle';
  private model: string | undefined;
  private reason: string | undefined;
  private speed: { readonly line: string; readonly advice: string | undefined } | undefined;

  constructor() {
    this.item.name = 'Tiered completions';
    this.item.command = commandIds.completionMenu;
    this.render();
    this.item.show();
  }

  update(state: PipelineState, model: string | undefined, reason?: string): void {
    this.state = state;
    this.model = model ?? this.model;
    this.reason = reason;
    this.render();
  }

  /** The model's recent speed (a line for the tooltip) and, when it is too slow, what to do (marks the item). */
  updateSpeed(line: string | undefined, advice: string | undefined): void {
    const next = line === undefined ? undefined : { line, advice };
    if (next?.line === this.speed?.line && next?.advice === this.speed?.advice) {
      return;
    }
    this.speed = next;
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const slow = this.speed?.advice !== undefined && this.state !== 'error' && this.state !== 'disabled';
    this.item.text = `${slow ? '$(dashboard)' : icons[this.state]} ${this.model ?? 'completions'}`;
    this.item.accessibilityInformation = { label: `Tiered completions: ${labels[this.state]}${slow ? ' (slow model)' : ''}${this.model ? `, model ${this.model}` : ''}` };
    const lines = [`**Tiered completions** — ${labels[this.state]}`, this.model ? `Model: ${this.model}` : 'Model: not chosen yet'];
    if (this.reason) {
      lines.push(this.reason);
    }
    if (this.speed !== undefined) {
      lines.push(this.speed.line, ...(this.speed.advice !== undefined ? [this.speed.advice] : []));
    }
    lines.push('Click for options.');
    this.item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    this.item.backgroundColor = this.state === 'error' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }
}
