/**
 * Builds {@link RequestMetrics} from what servers report (nanoseconds on Ollama, milliseconds on
 * llama-server) and what the client measured. Every missing figure counts as zero.
 * Pure: no `vscode` import.
 */
import type { RequestMetrics } from './types';

/** A finite non-negative number, else 0. */
export function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** Nanoseconds to milliseconds; missing → 0. */
export function nsToMs(value: unknown): number {
  return num(value) / 1e6;
}

/** What the client measured around one generation. */
export interface ClientTiming {
  /** When the request was sent (ms, monotonic). */
  readonly startedAt: number;
  /** When the first token arrived, if one did. */
  readonly firstTokenAt: number | undefined;
  /** When the stream ended. */
  readonly endedAt: number;
  /** Text pieces received (fallback for speed when the server reports none). */
  readonly pieces: number;
}

/** What the server reported, already in milliseconds and token counts (0 when missing). */
export interface ServerFigures {
  readonly promptTokens: number;
  readonly cachedPromptTokens: number;
  readonly generatedTokens: number;
  readonly generationMs: number;
  readonly loadMs: number;
  readonly promptEvalMs: number;
  /** Speed the server computed itself (llama-server `predicted_per_second`), 0 when absent. */
  readonly tokensPerSecond?: number;
}

export function buildMetrics(server: ServerFigures, timing: ClientTiming): RequestMetrics {
  const totalMs = Math.max(0, timing.endedAt - timing.startedAt);
  const timeToFirstTokenMs = timing.firstTokenAt === undefined ? 0 : Math.max(0, timing.firstTokenAt - timing.startedAt);
  let tokensPerSecond = num(server.tokensPerSecond);
  if (tokensPerSecond === 0 && server.generatedTokens > 0 && server.generationMs > 0) {
    tokensPerSecond = (server.generatedTokens / server.generationMs) * 1000;
  }
  if (tokensPerSecond === 0 && timing.firstTokenAt !== undefined) {
    // Client-side estimate: pieces after the first one, over the time they took.
    const streamMs = timing.endedAt - timing.firstTokenAt;
    const count = server.generatedTokens > 0 ? server.generatedTokens : timing.pieces;
    tokensPerSecond = streamMs > 0 && count > 1 ? ((count - 1) / streamMs) * 1000 : 0;
  }
  return {
    promptTokens: server.promptTokens,
    cachedPromptTokens: server.cachedPromptTokens,
    generatedTokens: server.generatedTokens,
    timeToFirstTokenMs,
    tokensPerSecond,
    loadMs: server.loadMs,
    promptEvalMs: server.promptEvalMs,
    totalMs,
  };
}
