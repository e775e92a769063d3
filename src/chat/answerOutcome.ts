/**
 * How an answer ended, as the webview shows it: its figures line and the actions an error offers.
 * Pure: no `vscode` import.
 */
import type { ErrorAction } from '../backend/errors';
import type { RequestMetrics } from '../backend/types';
import type { ErrorActionView, HostToWebview } from '../webview/protocol';
import type { AnswerMetrics } from './chatTypes';

/**
 * The figures line of an answer. The prompt size is the whole prompt: a server that reports its cache
 * (llama-server, OpenAI-style `cached_tokens`) already counts it in; Ollama's `prompt_eval_count` counts only what
 * it evaluated, so a cached prompt reads "1 prompt token". When the server's count is under half of Tiered's own
 * count of the prompt sent, the rest came from its cache: the whole size is then Tiered's count, marked estimated.
 */
export function figuresOf(metrics: RequestMetrics, promptEstimate: number): AnswerMetrics {
  const base = {
    ttftMs: Math.max(0, metrics.timeToFirstTokenMs),
    tokensPerSecond: Math.max(0, metrics.tokensPerSecond),
    answerTokens: Math.max(0, Math.round(metrics.generatedTokens)),
  };
  const reported = Math.max(0, Math.round(metrics.promptTokens));
  const cached = Math.max(0, Math.round(metrics.cachedPromptTokens));
  if (cached > 0) {
    return { ...base, promptTokens: Math.max(reported, cached), cachedPromptTokens: cached };
  }
  const estimate = Math.max(0, Math.round(promptEstimate));
  if (reported * 2 < estimate) {
    return { ...base, promptTokens: estimate, cachedPromptTokens: estimate - reported, promptEstimated: true };
  }
  return { ...base, promptTokens: reported };
}

/** The buttons an error offers: its own next step, then Retry and Show Log. */
export function actionsFor(action: ErrorAction | undefined): ErrorActionView[] {
  const list: ErrorActionView[] = [];
  switch (action?.kind) {
    case 'startServer':
      list.push({ id: 'startServer', label: 'Start the server' }, { id: 'checkConnection', label: 'Check connection' });
      break;
    case 'pullModel':
      list.push({ id: 'pullModel', label: `Pull ${action.model}` });
      break;
    case 'openSettings':
    case 'chooseCompletionModel':
      list.push({ id: 'openSettings', label: 'Open settings' });
      break;
    default:
      break;
  }
  list.push({ id: 'retry', label: 'Retry' });
  // A bigger model cannot help when the server is down or a model is missing.
  if (action?.kind !== 'startServer' && action?.kind !== 'pullModel') {
    list.push({ id: 'retryBiggerTier', label: 'Retry with a bigger tier' });
  }
  list.push({ id: 'showLog', label: 'Show log' });
  return list;
}

/** The error shown when no installed model can answer: what tier was wanted, and which model to pull. */
export function noModelError(tier: string, suggestion: string, suggestedModel: string): Extract<HostToWebview, { type: 'error' }> {
  return {
    type: 'error',
    messageId: undefined,
    message: `No installed model can answer (wanted tier: ${tier}). ${suggestion}`,
    actions: [
      { id: 'pullModel', label: `Pull ${suggestedModel}` },
      { id: 'checkConnection', label: 'Check connection' },
      { id: 'openSettings', label: 'Open settings' },
    ],
  };
}

/** What the view says when a chat history file was recovered after damage. */
export function recoveredNotice(report: { readonly tornTail: boolean; readonly badLines: number; readonly keptCopy?: string | undefined; readonly file: string }): Extract<HostToWebview, { type: 'notice' }> {
  return {
    type: 'notice',
    level: 'warning',
    message: `A chat history file was damaged (${report.tornTail ? 'cut off mid-write' : `${report.badLines} damaged line(s)`}); it was recovered up to its last good record. The original is kept at ${report.keptCopy ?? report.file}.`,
  };
}
