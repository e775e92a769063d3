/**
 * How an OpenAI-compatible server's failures reach the user: HTTP statuses with their bodies, and transport
 * failures (abort, timeout, connection refused, a stream cut short), as {@link TieredError}s with the partial text
 * kept. Pure: no `vscode` import.
 */
import { errors, TieredError } from './errors';
import { describeError, isAbortError, isConnectionFailure, isTransportTimeout } from './httpFailure';
import type { ErrorBody } from './openAiParse';
import type { SseState } from './openAiStream';
import type { RequestGuard } from './requestGuard';

/** The endpoint an error is about. */
export interface Endpoint {
  readonly id: string;
  readonly baseUrl: string;
}

/** An HTTP error status and its body as a {@link TieredError}: context overflow, no FIM, model not found, API key, server. */
export function fromStatus(endpoint: Endpoint, status: number, body: ErrorBody, path: string, model: string | undefined): TieredError {
  const name = model ?? '';
  const text = body.message || `HTTP ${status}`;
  if (body.type === 'exceed_context_size_error' || /exceeds? the (available )?context size|context length/i.test(text)) {
    return errors.contextOverflow(name, body.promptTokens, body.contextTokens, text);
  }
  if ((path === '/infill' && (status === 501 || status === 404)) || /infill is not supported|does not support insert|suffix is not currently supported/i.test(text)) {
    return errors.fimUnsupported(name, status === 404 ? `${endpoint.baseUrl} has no /infill endpoint` : text);
  }
  if (status === 404) {
    if (model !== undefined && /model/i.test(text) && /not (be )?found|does not exist/i.test(text)) {
      return errors.modelNotFound(name, endpoint.baseUrl, text);
    }
    return errors.badResponse(endpoint.baseUrl, `404 on ${path}: ${text.slice(0, 120)}`);
  }
  if (status === 401 || status === 403) {
    return errors.server(status, `${text} (check the API key of endpoint "${endpoint.id}")`, endpoint.baseUrl);
  }
  return errors.server(status, text, endpoint.baseUrl);
}

/** Any failure of a request (caller abort, timeout, connection, parse, dropped stream) as a {@link TieredError}. */
export function mapError(endpoint: Endpoint, error: unknown, context: { path: string; model: string | undefined; guard: RequestGuard; state: SseState | undefined }): TieredError {
  const { path, guard, state } = context;
  const partialText = state?.text ?? '';
  if (guard.callerAborted) {
    return errors.aborted(partialText);
  }
  if (guard.timedOut) {
    return errors.timeout(endpoint.baseUrl, guard.timeoutMs, partialText);
  }
  if (error instanceof TieredError) {
    return error;
  }
  if (isTransportTimeout(error)) {
    return errors.timeout(endpoint.baseUrl, guard.timeoutMs, partialText);
  }
  if (!guard.responded && isConnectionFailure(error)) {
    return errors.unreachable(endpoint.baseUrl, error);
  }
  if (isAbortError(error)) {
    return errors.aborted(partialText);
  }
  if (error instanceof SyntaxError) {
    return errors.badResponse(endpoint.baseUrl, `${path} did not answer JSON`);
  }
  if (guard.responded && error instanceof TypeError) {
    return errors.midStream(`connection closed: ${describeError(error)}`, partialText);
  }
  return new TieredError('server', `The model server at ${endpoint.baseUrl} failed: ${describeError(error)}`, { url: endpoint.baseUrl, serverText: describeError(error) }, { kind: 'retry' }, { cause: error });
}
