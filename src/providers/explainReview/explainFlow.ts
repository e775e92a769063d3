import * as vscode from 'vscode';
import { isTieredError } from '../../backend/errors';
import { layoutPrompt } from '../../context/layout';
import { explainItems, explainReviewRenderer, selectionCutNote } from '../../review/prompts';
import { featureRouteInput } from '../../routing/featureRoutes';
import type { Services } from '../services';
import type { ExplainSink } from './explainSink';
import { gatherContext } from './gatherContext';
import { badgeText, routeRequest, showError, sizeRequest, streamChat } from './modelCall';
import type { CodeTarget } from './target';

/** What an explanation produced (the command returns it; tests read it). */
export interface ExplainResult {
  readonly tier: string;
  readonly model: string;
  readonly reasons: readonly string[];
  readonly notes: readonly string[];
  readonly text: string;
  /** Token events received: more than one means the answer streamed. */
  readonly chunks: number;
  readonly status: 'ok' | 'cancelled' | 'failed';
}

function where(target: CodeTarget): string {
  const first = target.code.startLine;
  const last = first + target.code.text.split('\n').length - 1;
  return `${target.code.path} (${first === last ? `line ${first}` : `lines ${first}-${last}`})`;
}

/**
 * Explains a target (or answers a question about it): gathers context from the symbol and definition providers,
 * routes (code tier by default; the router sends tiny code to small and large, multi-file or intricate code to
 * moe, with reasons), lays the prompt out with the context engine, and streams the answer into the sink.
 */
export async function runExplain(services: Services, sink: ExplainSink, target: CodeTarget, question?: string): Promise<ExplainResult | undefined> {
  // A sensitive file is sent only when the user says so, for this request.
  if (!(await services.sensitiveFiles.confirm(target.document.uri, `Send this code to the model to ${question !== undefined ? 'answer your question' : 'explain it'} anyway`, 'Send Anyway'))) {
    return undefined;
  }
  const context = await gatherContext(target, (uri) => services.sensitiveFiles.check(uri));
  const lines = target.code.text.split('\n').length;
  const routed = await routeRequest(
    services,
    featureRouteInput('explain', { lines, chars: target.code.text.length, languageId: target.code.languageId, fileCount: context.fileCount }, question),
  );
  if (isTieredError(routed)) {
    showError(services, 'Explain', routed);
    return undefined;
  }
  const items = explainItems(target.code, context.snippets, question);
  let layout;
  let budget;
  try {
    const sized = await sizeRequest(services, routed, items);
    budget = sized.budget;
    layout = layoutPrompt(items, budget.promptBudget, sized.counter, { render: explainReviewRenderer });
  } catch (error) {
    services.routing.finish(routed, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
    showError(services, 'Explain', error);
    return undefined;
  }
  const notes: string[] = [];
  if (target.code.note !== undefined) {
    notes.push(target.code.note);
  }
  if (context.withheld !== undefined) {
    notes.push(context.withheld);
  }
  if (context.missing !== undefined) {
    notes.push(context.missing);
  }
  const cut = selectionCutNote(layout, lines);
  if (cut !== undefined) {
    notes.push(cut);
  }
  if (layout.report.byKind.supporting.dropped + layout.report.byKind.supporting.trimmed > 0) {
    notes.push(`Context: ${layout.report.summary}.`);
  }
  services.logger.info(`Explain ${where(target)}: ${badgeText(routed)}; ${routed.decision.reasons.join('; ')}; context ${layout.report.summary}; num_ctx ${budget.numCtx}.`);

  const stream = await sink.open({
    title: `${question !== undefined ? 'Ask' : 'Explain'}: ${where(target)}`,
    badge: badgeText(routed),
    reasons: routed.decision.reasons,
    notes,
    ...(question !== undefined ? { question } : {}),
    routing: { tier: routed.decision.tier, model: routed.decision.model, endpointId: routed.decision.endpointId },
    // The explained code, as a chip under the answer (only a file of the workspace can be opened from the chat).
    ...(vscode.workspace.getWorkspaceFolder(target.document.uri) !== undefined
      ? { sources: [{ path: target.code.path, startLine: target.code.startLine, endLine: target.code.startLine + lines - 1, kind: 'selection' as const }] }
      : {}),
  });
  let text = '';
  let chunks = 0;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tiered: explaining with ${routed.decision.model}`, cancellable: true },
    async (_progress, token): Promise<ExplainResult> => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      stream.signal?.addEventListener('abort', () => abort.abort(), { once: true });
      const base = { tier: routed.decision.tier, model: routed.decision.model, reasons: routed.decision.reasons, notes };
      try {
        const result = await streamChat(services, routed, {
          messages: [{ role: 'user', content: layout.text }],
          budget,
          signal: abort.signal,
          onToken: (t) => {
            text += t;
            chunks++;
            stream.append(t);
          },
        });
        const m = result.metrics;
        const cutOff = result.doneReason === 'length' ? ' · cut off at the answer limit' : '';
        await stream.finish(`${routed.decision.model} · ${m.generatedTokens} tokens · ${m.tokensPerSecond.toFixed(1)} tok/s${cutOff}`);
        return { ...base, text, chunks, status: 'ok' };
      } catch (error) {
        if (abort.signal.aborted || isTieredError(error, 'aborted')) {
          await stream.finish('stopped');
          return { ...base, text, chunks, status: 'cancelled' };
        }
        await stream.fail(error instanceof Error ? error.message : String(error));
        showError(services, 'Explain', error);
        return { ...base, text, chunks, status: 'failed' };
      } finally {
        cancel.dispose();
      }
    },
  );
}
