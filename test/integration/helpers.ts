/** Shared helpers for the tests that run inside the VS Code extension host. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { filesUnder } from '../support/files';
import { freePort } from '../support/net';

export const extensionId = 'tiered.tiered';

/** The Tiered extension, activated. */
export async function activateTiered(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(extensionId);
  if (!ext) {
    throw new Error(`Extension ${extensionId} is not installed in this VS Code.`);
  }
  await ext.activate();
  return ext;
}

/** URL of the fake Ollama server the harness started (TEST DOUBLE). */
export function fakeOllamaUrl(): string {
  const url = process.env.TIERED_FAKE_OLLAMA_URL;
  if (!url) {
    throw new Error('TIERED_FAKE_OLLAMA_URL is not set: run the integration tests through test/e2e/run.ts.');
  }
  return url;
}

/** A port on 127.0.0.1 that nothing listens on (bound then released). */
export const closedPort = freePort;

/** Sets a `tiered.*` user setting (undefined removes it). */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('tiered').update(key, value, vscode.ConfigurationTarget.Global);
}

/**
 * Text of the "Tiered" log channel as written to disk by VS Code, or undefined when the logs folder is not
 * known (the harness passes TIERED_E2E_LOGS_DIR; a desktop VS Code run elsewhere may not).
 */
export function tieredLogText(): string | undefined {
  const dir = process.env.TIERED_E2E_LOGS_DIR;
  if (!dir) {
    return undefined;
  }
  return filesUnder(dir)
    .filter((f) => path.basename(f) === 'Tiered.log')
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
}

/** Polls until `check` returns a value (not undefined/false) or the time is up; returns the last value. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 15_000, stepMs = 200): Promise<T | undefined | false> {
  const until = Date.now() + timeoutMs;
  let last = check();
  while (!last && Date.now() < until) {
    await new Promise((r) => setTimeout(r, stepMs));
    last = check();
  }
  return last;
}
