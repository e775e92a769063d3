/** Helpers for the backend contract tests. */
import * as net from 'node:net';
import { isTieredError } from '../../../src/backend/errors';
import type { ErrorKind, TieredError } from '../../../src/backend/errors';
import type { GenerationEvent, GenerationResult } from '../../../src/backend/types';

/** A local port where nothing listens (bound, then released). */
export async function refusedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Collects a whole generation. */
export async function collect(stream: AsyncIterable<GenerationEvent>): Promise<{ tokens: string[]; result: GenerationResult }> {
  const tokens: string[] = [];
  let result: GenerationResult | undefined;
  for await (const event of stream) {
    if (event.type === 'token') {
      tokens.push(event.text);
    } else {
      result = event.result;
    }
  }
  if (!result) {
    throw new Error('stream ended without a done event');
  }
  return { tokens, result };
}

/** Runs a generation expecting a TieredError of a kind; returns it with the tokens seen before. */
export async function expectFailure(stream: AsyncIterable<GenerationEvent>, kind: ErrorKind): Promise<{ error: TieredError; tokens: string[] }> {
  const tokens: string[] = [];
  try {
    for await (const event of stream) {
      if (event.type === 'token') {
        tokens.push(event.text);
      }
    }
  } catch (error) {
    if (isTieredError(error, kind)) {
      return { error, tokens };
    }
    throw new Error(`expected a TieredError "${kind}", got ${isTieredError(error) ? `"${error.kind}": ${error.message}` : String(error)}`);
  }
  throw new Error(`expected a TieredError "${kind}", but the stream completed`);
}

/** Awaits a promise expecting a TieredError of a kind. */
export async function expectRejects(promise: Promise<unknown>, kind: ErrorKind): Promise<TieredError> {
  try {
    await promise;
  } catch (error) {
    if (isTieredError(error, kind)) {
      return error;
    }
    throw new Error(`expected a TieredError "${kind}", got ${isTieredError(error) ? `"${error.kind}": ${error.message}` : String(error)}`);
  }
  throw new Error(`expected a TieredError "${kind}", but it resolved`);
}

/** Polls until a condition holds (event-driven state in another part of the process). */
export async function waitFor(condition: () => boolean, what: string, limitMs = 3000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) {
      throw new Error(`timed out waiting for: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
