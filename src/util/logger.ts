/**
 * The logging port of the pure core. The extension adapts it to a `LogOutputChannel`;
 * tests use {@link nullLogger} or a recording logger. Never log secrets (API keys, Authorization headers).
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything. */
export const nullLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
