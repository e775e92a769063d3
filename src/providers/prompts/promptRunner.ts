import * as vscode from 'vscode';
import { isTieredError } from '../../backend/errors';
import { computeBudget } from '../../context/budget';
import { layoutPrompt } from '../../context/layout';
import { approximateCounter } from '../../context/tokenCounter';
import { promptContextItems, routeCodeOf } from '../../prompts/resolve';
import type { ResolvedPrompt } from '../../prompts/types';
import { route } from '../../routing/router';
import type { Services } from '../services';
import { routerEnvironment } from '../../routing/routingService';

/**
 * Runs a filled prompt. The extension uses `ChatPromptRunner` (a turn in the chat view);
 * {@link DocumentPromptRunner} streams into an untitled Markdown document where no chat view is available.
 */
export interface PromptRunner {
  run(prompt: ResolvedPrompt): Promise<void>;
}

/**
 * TODO(lead): replace with the chat view's runner (stream into the conversation, with the chat's context engine)
 * once it exists; this minimal runner routes (honouring the prompt's tier hint and model), lays the prompt out
 * (instructions first, code last), and streams the answer into an untitled Markdown document.
 */
export class DocumentPromptRunner implements PromptRunner {
  constructor(private readonly services: Services) {}

  async run(prompt: ResolvedPrompt): Promise<void> {
    const { services } = this;
    const settings = services.settings.current;
    let reports = services.connection.reports;
    if (reports.length === 0 || !reports.some((r) => r.reachable)) {
      reports = await services.connection.check();
    }
    const code = routeCodeOf(prompt);
    const decision = route(
      {
        task: 'savedPrompt',
        text: prompt.text,
        tierHint: prompt.tier,
        ...(prompt.model !== undefined ? { modelHint: prompt.model } : {}),
        ...(code !== undefined ? { code } : {}),
      },
      routerEnvironment(settings, reports, this.services.routing.speeds),
    );
    services.logger.info(`Saved prompt "${prompt.name}" (${prompt.source}): ${decision.kind === 'routed' ? `${decision.tier} → ${decision.model} on ${decision.endpointId}` : 'no model'}; ${decision.reasons.join('; ')}`);
    if (decision.kind !== 'routed') {
      void vscode.window.showErrorMessage(`Tiered: no model can run "${prompt.name}". ${decision.suggestion}`, 'Show Log').then((c) => c && services.log.show());
      return;
    }
    const backend = await services.backends.byId(decision.endpointId);
    if (backend === undefined) {
      void vscode.window.showErrorMessage(`Tiered: the endpoint "${decision.endpointId}" is no longer configured.`);
      return;
    }
    const info = reports.find((r) => r.id === decision.endpointId);
    const model = info?.models.find((m) => m.name === decision.model);
    const loaded = info?.loaded.find((l) => l.name === decision.model);
    const counter = approximateCounter();
    const items = promptContextItems(prompt);
    const needed = items.reduce((sum, i) => sum + counter.count(i.text), 0);
    const budget = computeBudget({
      contextLength: model?.contextLength,
      ...(loaded?.contextLength !== undefined ? { loadedContextLength: loaded.contextLength } : {}),
      maxContextSetting: settings['context.maxContextTokens'],
      answerReserve: settings['context.answerReserveTokens'],
      neededTokens: needed,
    });
    const layout = layoutPrompt(items, budget.promptBudget, counter);

    const doc = await vscode.workspace.openTextDocument({
      language: 'markdown',
      content: `# ${prompt.name}\n\n> ${decision.tier} tier → ${decision.model} · ${decision.reasons.join(' · ')}${layout.report.trimmed + layout.report.dropped > 0 ? ` · context: ${layout.report.summary}` : ''}\n\n`,
    });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });

    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tiered: "${prompt.name}" on ${decision.model}`, cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        let pending = '';
        let flushing: Promise<unknown> = Promise.resolve();
        const flush = (): Promise<unknown> => {
          if (pending === '') {
            return flushing;
          }
          const chunk = pending;
          pending = '';
          // A workspace edit works whether or not the document is visible (the user may switch tabs meanwhile).
          flushing = flushing
            .then(() => {
              const edit = new vscode.WorkspaceEdit();
              edit.insert(doc.uri, doc.lineAt(doc.lineCount - 1).range.end, chunk);
              return vscode.workspace.applyEdit(edit);
            })
            .catch((error: unknown) => services.logger.warn(`Saved prompt "${prompt.name}": could not write the answer: ${error instanceof Error ? error.message : String(error)}`));
          return flushing;
        };
        const timer = setInterval(() => void flush(), 100);
        try {
          for await (const event of backend.chat({
            model: decision.model,
            messages: [{ role: 'user', content: layout.text }],
            numCtx: budget.numCtx,
            keepAlive: settings.keepAlive,
            signal: abort.signal,
          })) {
            if (event.type === 'token') {
              pending += event.text;
            } else {
              const m = event.result.metrics;
              services.logger.info(`Saved prompt "${prompt.name}": ${m.generatedTokens} tokens, ${m.tokensPerSecond.toFixed(1)} tok/s, ${event.result.doneReason}.`);
            }
          }
        } catch (error) {
          if (abort.signal.aborted || (isTieredError(error) && error.kind === 'aborted')) {
            pending += '\n\n_(stopped)_\n';
          } else {
            const message = error instanceof Error ? error.message : String(error);
            pending += `\n\n**Error:** ${message}\n`;
            services.logger.error(`Saved prompt "${prompt.name}" failed: ${message}`);
          }
        } finally {
          clearInterval(timer);
          cancel.dispose();
          await flush();
        }
      },
    );
  }
}
