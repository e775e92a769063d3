import * as vscode from 'vscode';
import { isTieredError, TieredError } from '../../backend/errors';
import type { ChatMessage, GenerationResult, JsonSchema } from '../../backend/types';
import { computeBudget } from '../../context/budget';
import type { Budget } from '../../context/budget';
import type { ContextItem } from '../../context/items';
import { coverageOf } from '../../context/promptSizer';
import type { TokenCounter } from '../../context/tokenCounter';
import type { RoutedModel } from '../../routing/routingService';
import type { RouteInput } from '../../routing/types';
import type { Services } from '../services';
import { promptSizerFor } from '../shared/promptSizing';

/** Routes a request; errors come back as a TieredError (never thrown). */
export async function routeRequest(services: Services, input: RouteInput): Promise<RoutedModel | TieredError> {
  try {
    return await services.routing.route(input);
  } catch (error) {
    return isTieredError(error) ? error : new TieredError('badResponse', error instanceof Error ? error.message : String(error), {});
  }
}

/** How a request to a routed model is counted (the layout's counter) and sized (its window and prompt budget). */
export interface Sizing {
  /** Counts as the model's tokenizer would, by the calibrated upper bound: layouts within the budget fit num_ctx. */
  readonly counter: TokenCounter;
  readonly budget: Budget;
}

function sizedModel(routed: RoutedModel): { name: string; family: string } {
  return { name: routed.decision.model, family: routed.model.family };
}

/**
 * The counter, window and prompt budget for a routed model, sized for what we would like to send. A model not yet
 * calibrated is first measured with the server's own tokenizer where it has one (llama-server `/tokenize`).
 */
export async function sizeRequest(services: Services, routed: RoutedModel, items: readonly ContextItem[], minAnswerReserve = 0): Promise<Sizing> {
  const sizer = promptSizerFor(services.extension);
  const model = sizedModel(routed);
  await sizer.measureIfUncalibrated(model, items.map((i) => i.text).join('\n'), (text) => routed.backend.countTokens(model.name, text));
  const counter = sizer.counterFor(model);
  const settings = services.settings.current;
  const loaded = services.connection.reports.find((r) => r.id === routed.decision.endpointId)?.loaded.find((l) => l.name === routed.decision.model);
  const needed = items.reduce((sum, i) => sum + counter.count(i.text) + 8, 0);
  const budget = computeBudget({
    contextLength: routed.model.contextLength,
    ...(loaded?.contextLength !== undefined ? { loadedContextLength: loaded.contextLength } : {}),
    maxContextSetting: settings['context.maxContextTokens'],
    answerReserve: Math.max(settings['context.answerReserveTokens'], minAnswerReserve),
    neededTokens: needed,
  });
  return { counter, budget };
}

/** Options of {@link streamChat}. */
export interface StreamOptions {
  readonly messages: readonly ChatMessage[];
  readonly budget: Budget;
  readonly format?: JsonSchema;
  readonly temperature?: number;
  readonly signal: AbortSignal;
  readonly onToken?: (text: string) => void;
}

/** Streams one chat request on the routed model and records the outcome with the routing service. */
export async function streamChat(services: Services, routed: RoutedModel, options: StreamOptions): Promise<GenerationResult> {
  let result: GenerationResult | undefined;
  let text = '';
  try {
    for await (const event of routed.backend.chat({
      model: routed.decision.model,
      messages: options.messages,
      numCtx: options.budget.numCtx,
      numPredict: options.budget.answerReserve,
      keepAlive: services.settings.current.keepAlive,
      signal: options.signal,
      ...(options.format !== undefined ? { format: options.format } : {}),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    })) {
      if (event.type === 'token') {
        text += event.text;
        options.onToken?.(event.text);
      } else {
        result = event.result;
      }
    }
  } catch (error) {
    const cancelled = options.signal.aborted || isTieredError(error, 'aborted');
    services.routing.finish(routed, { status: cancelled ? 'cancelled' : 'failed', ...(cancelled ? {} : { error: error instanceof Error ? error.message : String(error) }) });
    throw error;
  }
  const final = result ?? { text, doneReason: 'unknown', metrics: { promptTokens: 0, cachedPromptTokens: 0, generatedTokens: 0, timeToFirstTokenMs: 0, tokensPerSecond: 0, loadMs: 0, promptEvalMs: 0, totalMs: 0 } };
  services.routing.finish(routed, { status: 'ok' }, final.metrics);
  if (result !== undefined) {
    // The server's count of what it ran teaches the model's calibration (only counts that cover the whole prompt).
    promptSizerFor(services.extension).observe(sizedModel(routed), options.messages, result.metrics, coverageOf(routed.backend.kind));
  }
  return final;
}

/** "code tier → qwen2.5-coder:7b" */
export function badgeText(routed: RoutedModel): string {
  return `${routed.decision.tier} tier → ${routed.decision.model}`;
}

/** Shows an error with its next step (Show Log; Check Connection when the server is unreachable). */
export function showError(services: Services, prefix: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  services.logger.error(`${prefix}: ${message}`);
  const actions = isTieredError(error, 'unreachable') ? ['Check Connection', 'Show Log'] : ['Show Log'];
  void vscode.window.showErrorMessage(`Tiered: ${prefix}: ${message}`, ...actions).then((choice) => {
    if (choice === 'Show Log') {
      services.log.show();
    } else if (choice === 'Check Connection') {
      void vscode.commands.executeCommand('tiered.checkConnection');
    }
  });
}
