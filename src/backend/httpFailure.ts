/**
 * Classifies what `fetch` (undici) throws, so each adapter can map it onto the error taxonomy.
 * Pure: no `vscode` import.
 */

/** Socket-level codes that mean "nobody answered at that address". */
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ECONNRESET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;
}

/** The `code` of an error or of its cause chain (undici wraps socket errors in `TypeError('fetch failed')`). */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    const code = field(current, 'code');
    if (typeof code === 'string') {
      return code;
    }
    current = field(current, 'cause');
  }
  return undefined;
}

/** undici's own timers (300 s `headersTimeout` / `bodyTimeout`): a slow server, not a missing one. */
const undiciTimeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** True when fetch failed before any response arrived because the address did not answer. */
export function isConnectionFailure(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined) {
    if (unreachableCodes.has(code)) {
      return true;
    }
    if (undiciTimeoutCodes.has(code)) {
      return false;
    }
  }
  return error instanceof TypeError && error.message === 'fetch failed';
}

/** True when undici gave up waiting (its 300 s header/body timers fire before a longer user timeout). */
export function isTransportTimeout(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && undiciTimeoutCodes.has(code);
}

/** True for the abort rejection of fetch or a body read. */
export function isAbortError(error: unknown): boolean {
  const name = field(error, 'name');
  return name === 'AbortError' || name === 'TimeoutError';
}

/** A short description of an error and its causes, for logs and `serverText`. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined; depth++) {
    const message = field(current, 'message');
    const code = field(current, 'code');
    const text = typeof message === 'string' ? message : String(current);
    parts.push(typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text);
    current = field(current, 'cause');
  }
  return parts.join(': ');
}
