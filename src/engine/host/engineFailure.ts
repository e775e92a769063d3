import type { EngineError, EngineErrorCode } from '../protocol';

/** A failure the engine reports to the extension as a protocol `error` message, with its code and numbers. */
export class EngineFailure extends Error {
  override readonly name = 'EngineFailure';

  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly extra: Omit<EngineError, 'code' | 'message'> = {},
  ) {
    super(message);
  }

  /** The protocol form of any error thrown while serving a request. */
  static toMessage(e: unknown): EngineError {
    if (e instanceof EngineFailure) {
      return { code: e.code, message: e.message, ...e.extra };
    }
    return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
  }
}
