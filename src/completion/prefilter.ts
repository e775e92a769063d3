/**
 * Cheap checks before any work: a sensitive (excluded) file, completions off (globally or for the language), file too large, cursor
 * in the middle of a word, VS Code's suggestion list open. Each skip carries a sentence that names the setting to change, if any.
 * Pure: no `vscode` import.
 */
import type { Settings } from '../settings/schema';
import type { CompletionRequest, SkipReason } from './types';

/** Why a request is skipped, in words. */
export interface Skip {
  readonly reason: SkipReason;
  readonly message: string;
}

const wordChar = /[\p{L}\p{N}_$]/u;

/** Returns why the request must be skipped, or undefined to go on. */
export function prefilter(request: CompletionRequest, settings: Settings): Skip | undefined {
  // First: a sensitive file never reaches a model, whatever else is set.
  if (request.excluded !== undefined) {
    return { reason: 'excluded', message: `No completion request is sent from this file: ${request.excluded} Tiered never sends sensitive files to a model.` };
  }
  if (!settings['completion.enabled']) {
    return { reason: 'disabled', message: 'Inline completions are turned off (setting tiered.completion.enabled).' };
  }
  if (settings['completion.disabledLanguages'].includes(request.languageId)) {
    return {
      reason: 'languageDisabled',
      message: `Inline completions are turned off for ${request.languageId} files (setting tiered.completion.disabledLanguages).`,
    };
  }
  const limitKb = settings['completion.maxFileSizeKb'];
  if (request.fileSizeBytes > limitKb * 1024) {
    return {
      reason: 'fileTooLarge',
      message: `This file is ${Math.ceil(request.fileSizeBytes / 1024)} KB, over the ${limitKb} KB limit for inline completions (setting tiered.completion.maxFileSizeKb).`,
    };
  }
  if (!Number.isInteger(request.offset) || request.offset < 0 || request.offset > request.text.length) {
    return { reason: 'selectionOrInvalidOffset', message: 'The cursor position is outside the document.' };
  }
  if (request.suggestWidgetItem === true) {
    return {
      reason: 'suggestWidget',
      message: "VS Code's suggestion list was open with an item selected; Tiered leaves the list alone (press Esc to close it, then pause or trigger a completion by hand).",
    };
  }
  // Inside a word (`fo|o`), a completion would have to replace text: nothing sensible to insert.
  const after = request.text[request.offset] ?? '';
  if (!request.manual && wordChar.test(after)) {
    return { reason: 'midWord', message: 'The cursor is in the middle of a word; completions start at the end of a word (or trigger one by hand).' };
  }
  return undefined;
}
