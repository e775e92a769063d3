/**
 * Completions must never silently stop. VS Code asks the inline-completion provider after every typed character;
 * in a fresh window it has been seen (about one run in ten of the UI tests, and in CI) not to ask at all until the
 * next explicit trigger, leaving the user with no ghost text and nothing in "Why No Completion?". The watchdog
 * notices a keystroke that VS Code did not follow with a call for the same document within `delayMs`, and asks
 * once on its behalf. In the normal case VS Code asks within ~50 ms and the watchdog never fires.
 * Pure: no `vscode` import.
 */
import type { Clock, Disposable } from '../util/clock';

export class TriggerWatchdog {
  private armed: { readonly documentUri: string; readonly timer: Disposable } | undefined;
  /** How often it had to ask (for the log and tests). */
  fired = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ask: (documentUri: string) => void,
    readonly delayMs = 1500,
  ) {}

  /** The user typed in `documentUri` (in the focused editor, with completions on for it). */
  typed(documentUri: string): void {
    this.armed?.timer.dispose();
    const timer = this.clock.setTimeout(() => {
      if (this.armed?.documentUri === documentUri) {
        this.armed = undefined;
        this.fired++;
        this.ask(documentUri);
      }
    }, this.delayMs);
    this.armed = { documentUri, timer };
  }

  /** VS Code asked the provider for `documentUri`: nothing to do for the keystrokes before. */
  asked(documentUri: string): void {
    if (this.armed?.documentUri === documentUri) {
      this.armed.timer.dispose();
      this.armed = undefined;
    }
  }

  dispose(): void {
    this.armed?.timer.dispose();
    this.armed = undefined;
  }
}

/** Whether a document change looks like a user typing one character (or Enter with its indentation) at the cursor. */
export function looksLikeTyping(changes: readonly { readonly rangeLength: number; readonly text: string }[]): boolean {
  const [change] = changes;
  return changes.length === 1 && change !== undefined && change.rangeLength === 0 && /^(?:\r?\n[ \t]*|[^\r\n]{1,2})$/.test(change.text);
}
