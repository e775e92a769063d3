import type * as vscode from 'vscode';
import type { ExternalTurn, ExternalTurnRequest } from '../../chat/chatController';

/** What the chat view offers other features. */
export interface ChatTurnTarget {
  externalTurn(request: ExternalTurnRequest): Promise<ExternalTurn | undefined>;
}

/**
 * Lets features reach the chat view without depending on its construction order: the chat feature attaches
 * itself, and Explain streams its answers into the conversation through it.
 */
export class ChatHub {
  private target: ChatTurnTarget | undefined;

  attach(target: ChatTurnTarget): vscode.Disposable {
    this.target = target;
    return { dispose: () => (this.target = this.target === target ? undefined : this.target) };
  }

  /** A new turn in the chat, or undefined when there is no chat view or an answer is already running. */
  externalTurn(request: ExternalTurnRequest): Promise<ExternalTurn | undefined> {
    return this.target?.externalTurn(request) ?? Promise.resolve(undefined);
  }
}
