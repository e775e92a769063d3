import * as vscode from 'vscode';
import { fenceFor } from '../../context/items';
import { routeCodeOf } from '../../prompts/resolve';
import type { ResolvedPrompt } from '../../prompts/types';
import { promptRoute } from '../../routing/featureRoutes';
import type { ChatAskArgument } from '../chat/chatAsk';
import { commandIds } from '../commands/commandIds';
import type { PromptRunner } from './promptRunner';

/**
 * Runs a saved prompt in the chat view: the same path as a typed message (router with the prompt's tier hint
 * and model, context engine with the instructions first and the attached code at the end, streaming, history).
 */
export class ChatPromptRunner implements PromptRunner {
  async run(prompt: ResolvedPrompt): Promise<void> {
    // The instructions open the message and the code closes it, so the code sits at the prompt's end edge.
    const attachment = prompt.attachment;
    const fence = attachment !== undefined ? fenceFor(attachment.text) : '';
    const text =
      attachment === undefined
        ? prompt.text
        : `${prompt.text.trimEnd()}\n\n${attachment.title !== undefined ? `${attachment.title}:\n` : ''}${fence}${attachment.language}\n${attachment.text}\n${fence}`;
    // Built-in Explain / Review are routed as their commands are, so they run on the tier those would pick.
    const route = promptRoute(prompt, routeCodeOf(prompt));
    const argument: ChatAskArgument = {
      text,
      task: route.task,
      ...(route.tierHint !== undefined ? { tierHint: route.tierHint } : {}),
      ...(route.modelHint !== undefined ? { modelHint: route.modelHint } : {}),
      ...(route.routeAs !== undefined ? { routeAs: route.routeAs } : {}),
      // The prompt carries its own code; the chat's offered chips are not added on top.
      context: [],
    };
    await vscode.commands.executeCommand(commandIds.chatAsk, argument);
  }
}
