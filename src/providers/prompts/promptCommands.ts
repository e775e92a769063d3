import * as vscode from 'vscode';
import type { Logger } from '../../util/logger';
import type { PromptEntry } from '../../prompts/types';
import { createCommands } from './commands/createCommands';
import { importExportCommands } from './commands/importExportCommands';
import { manageCommands } from './commands/manageCommands';
import { errorMessage, PromptCommandContext } from './commands/promptCommandContext';
import { PromptRunCommands } from './commands/runCommands';
import type { PromptLibraryService } from './promptLibraryService';
import type { PromptRunner } from './promptRunner';

/**
 * The prompt commands, registered together: create/edit (commands/createCommands), manage existing prompts
 * (commands/manageCommands), import/export (commands/importExportCommands) and run (commands/runCommands). Each
 * command failure is logged and shown, never left unhandled.
 */
export class PromptCommands {
  private readonly ctx: PromptCommandContext;
  private readonly running: PromptRunCommands;

  /**
   * @param confirmSensitive asks before the active editor's code goes out when its file is sensitive (`.env`, a
   *   key…); true when it is not sensitive or the user said yes.
   */
  constructor(library: PromptLibraryService, runner: PromptRunner, private readonly logger: Logger, confirmSensitive: (uri: vscode.Uri) => Promise<boolean>) {
    this.ctx = new PromptCommandContext(library, logger);
    this.running = new PromptRunCommands(this.ctx, runner, confirmSensitive);
  }

  register(): vscode.Disposable {
    const handlers = { ...createCommands(this.ctx), ...manageCommands(this.ctx), ...importExportCommands(this.ctx), ...this.running.handlers() };
    return vscode.Disposable.from(
      ...Object.entries(handlers).map(([id, fn]) =>
        vscode.commands.registerCommand(id, async (arg?: unknown) => {
          try {
            await fn(arg);
          } catch (error) {
            this.logger.error(`${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            void vscode.window.showErrorMessage(`Tiered: ${errorMessage(error)}`);
          }
        }),
      ),
    );
  }

  /** Runs a prompt (asking its inputs) through the runner; false when nothing was sent. See PromptRunCommands. */
  runEntry(entry: PromptEntry, extra?: string): Promise<boolean> {
    return this.running.runEntry(entry, extra);
  }
}
