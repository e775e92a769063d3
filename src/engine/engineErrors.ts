/**
 * The built-in engine's failures as {@link TieredError}s, worded once. Pure: no `vscode`.
 */
import { errors, TieredError } from '../backend/errors';
import type { EngineError } from './protocol';

/** Where the built-in engine's errors say they come from (it has no URL). */
export const ENGINE_URL = 'built-in engine';

export const engineErrors = {
  /** The process ended while requests were in flight. */
  crashed(exit: string, partialText: string): TieredError {
    return new TieredError(
      'midStream',
      `The built-in engine stopped (${exit}) while answering${partialText === '' ? '' : '; the answer is cut off'}. It restarts with the next request: try again. If it keeps stopping, the model may be too large for this machine's memory.`,
      { url: ENGINE_URL, serverText: exit, partialText },
      { kind: 'retry' },
    );
  },
  /** The engine cannot run here at all (no binaries in this build, none that load on this machine). */
  unavailable(message: string): TieredError {
    return new TieredError('unreachable', message, { url: ENGINE_URL, serverText: message }, { kind: 'showLog' });
  },
  startTimeout(ms: number): TieredError {
    return new TieredError('timeout', `The built-in engine did not start within ${Math.round(ms / 1000)} s. The machine may be very busy; try again.`, { url: ENGINE_URL }, { kind: 'retry' });
  },
  /** An `error` answer from the engine, in the taxonomy every backend uses. */
  fromEngine(error: EngineError, model: string): TieredError {
    switch (error.code) {
      case 'aborted':
        return errors.aborted(error.partialText ?? '');
      case 'contextOverflow':
        return errors.contextOverflow(model, error.promptTokens, error.contextTokens, error.message);
      case 'fimUnsupported':
        return errors.fimUnsupported(model, error.message);
      case 'modelNotFound':
        return new TieredError('modelNotFound', `The model "${model}" is not on disk for the built-in engine (${error.message}). Download it again, or choose another model.`, { model, url: ENGINE_URL, serverText: error.message }, { kind: 'pullModel', model });
      case 'badModel':
        return new TieredError('badResponse', `The built-in engine could not load "${model}": ${error.message} The file may be damaged or not a GGUF model; download it again.`, { model, url: ENGINE_URL, serverText: error.message }, { kind: 'showLog' });
      case 'embeddingUnsupported':
      case 'badRequest':
      case 'internal':
        return new TieredError('server', `The built-in engine failed: ${error.message}`, { model, url: ENGINE_URL, serverText: error.message, ...(error.partialText !== undefined ? { partialText: error.partialText } : {}) }, { kind: 'showLog' });
    }
  },
};
