/**
 * One error taxonomy for every backend. Each error carries a message a user understands and,
 * where there is one, the next step to offer. Pure: no `vscode` import.
 */

/** What the UI can offer the user next. */
export type ErrorAction =
  | { readonly kind: 'startServer'; readonly url: string }
  | { readonly kind: 'pullModel'; readonly model: string }
  | { readonly kind: 'chooseCompletionModel'; readonly model: string }
  | { readonly kind: 'openSettings'; readonly setting: string }
  | { readonly kind: 'retry' }
  | { readonly kind: 'showLog' };

/** The kinds of failure, from the user's point of view. */
export type ErrorKind =
  | 'unreachable'
  | 'modelNotFound'
  | 'fimUnsupported'
  | 'contextOverflow'
  | 'server'
  | 'midStream'
  | 'timeout'
  | 'aborted'
  | 'badResponse';

/** Extra facts some kinds carry. */
export interface ErrorDetails {
  readonly url?: string;
  readonly model?: string;
  readonly status?: number;
  /** The server's own error text. */
  readonly serverText?: string;
  readonly promptTokens?: number;
  readonly contextTokens?: number;
  /** Text already received before a stream failed. */
  readonly partialText?: string;
}

/** The only error type backends throw. */
export class TieredError extends Error {
  override readonly name = 'TieredError';

  constructor(
    readonly kind: ErrorKind,
    /** A sentence for the user: what happened and what to do. */
    message: string,
    readonly details: ErrorDetails = {},
    readonly action: ErrorAction | undefined = undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Builders, so every message for a kind is worded once. */
export const errors = {
  unreachable(url: string, cause?: unknown): TieredError {
    return new TieredError(
      'unreachable',
      `Cannot reach the model server at ${url}. Start it (for Ollama: run "ollama serve" in a terminal) or fix the URL in settings.`,
      { url },
      { kind: 'startServer', url },
      { cause },
    );
  },
  modelNotFound(model: string, url: string, serverText?: string): TieredError {
    return new TieredError(
      'modelNotFound',
      `The model "${model}" is not installed on ${url}. Pull it, or choose another model for this tier.`,
      { model, url, status: 404, serverText },
      { kind: 'pullModel', model },
    );
  },
  fimUnsupported(model: string, serverText?: string): TieredError {
    return new TieredError(
      'fimUnsupported',
      `The model "${model}" cannot do fill-in-the-middle, so it cannot make inline completions. Choose a code model with FIM support (for example qwen2.5-coder) for completions.`,
      { model, serverText },
      { kind: 'chooseCompletionModel', model },
    );
  },
  contextOverflow(model: string, promptTokens?: number, contextTokens?: number, serverText?: string): TieredError {
    const numbers = promptTokens !== undefined && contextTokens !== undefined ? ` (${promptTokens} tokens for a context of ${contextTokens})` : '';
    return new TieredError(
      'contextOverflow',
      `The prompt is larger than the context of "${model}"${numbers}. Include less context, or use a model with a longer context.`,
      { model, promptTokens, contextTokens, serverText },
      { kind: 'openSettings', setting: 'tiered.tiers' },
    );
  },
  server(status: number, serverText: string, url: string): TieredError {
    return new TieredError('server', `The model server at ${url} answered ${status}: ${serverText}`, { status, serverText, url }, { kind: 'retry' });
  },
  midStream(serverText: string, partialText: string): TieredError {
    return new TieredError(
      'midStream',
      `The answer was cut off: the server reported an error in the middle of the stream (${serverText}).`,
      { serverText, partialText },
      { kind: 'retry' },
    );
  },
  timeout(url: string, ms: number, partialText?: string): TieredError {
    return new TieredError(
      'timeout',
      `The model server at ${url} did not answer within ${Math.round(ms / 1000)} s. It may be loading a large model; try again, or raise the timeout in settings.`,
      partialText === undefined ? { url } : { url, partialText },
      { kind: 'openSettings', setting: 'tiered.requestTimeoutSeconds' },
    );
  },
  aborted(partialText = ''): TieredError {
    return new TieredError('aborted', 'The request was cancelled.', { partialText });
  },
  /** A model pull that failed (the registry does not have it, the network dropped, ...). */
  pullFailed(model: string, serverText: string, url: string): TieredError {
    return new TieredError('server', `Pulling "${model}" on ${url} failed: ${serverText}. Check the model name and the server's network, then try again.`, { model, serverText, url }, { kind: 'retry' });
  },
  /** The endpoint cannot do this at all (e.g. pulling models on an OpenAI-compatible server). */
  notSupported(url: string, what: string): TieredError {
    return new TieredError('server', `The server at ${url} cannot ${what}. Do it with the server's own tools instead.`, { url, serverText: `cannot ${what}` });
  },
  badResponse(url: string, what: string): TieredError {
    return new TieredError('badResponse', `The server at ${url} sent something that is not a model server's answer (${what}). Check that the URL points to Ollama or an OpenAI-compatible server.`, { url }, { kind: 'openSettings', setting: 'tiered.ollama.baseUrl' });
  },
};

/** True for a {@link TieredError} of the given kind. */
export function isTieredError(value: unknown, kind?: ErrorKind): value is TieredError {
  return value instanceof TieredError && (kind === undefined || value.kind === kind);
}
