import type * as vscode from 'vscode';
import { sharedCalibration } from '../../context/calibration';
import type { KeyValueStore } from '../../context/calibration';
import { PromptSizer } from '../../context/promptSizer';
import { approximateCounter } from '../../context/tokenCounter';

const sizers = new WeakMap<vscode.Memento, PromptSizer>();

/**
 * The prompt sizer every feature uses (chat, Explain, Review): one per extension, so they all learn into the same
 * per-model calibration, persisted in `globalState` (the user's machine, never the workspace).
 */
export function promptSizerFor(context: vscode.ExtensionContext): PromptSizer {
  const memento = context.globalState;
  let sizer = sizers.get(memento);
  if (sizer === undefined) {
    const store: KeyValueStore = { get: (key) => memento.get(key), set: (key, value) => Promise.resolve(memento.update(key, value)) };
    sizer = new PromptSizer(sharedCalibration(store), approximateCounter());
    sizers.set(memento, sizer);
  }
  return sizer;
}
