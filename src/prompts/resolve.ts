/**
 * From a saved prompt to what is sent: fill the variables, decide what code to attach, and lay it out as
 * context items (the prompt's instructions at the start, the code at the end, where models attend best).
 * Pure: no `vscode` import.
 */
import type { ContextItem } from '../context/items';
import type { RouteCode } from '../routing/types';
import { substitute, usesCode } from './variables';
import type { EditorValues } from './variables';
import type { PromptAttachment, ResolvedPrompt, UsablePromptEntry } from './types';

/** A whole file is attached (when nothing is selected) only below this size; the layout trims further. */
export const maxAttachedFileChars = 200_000;

/**
 * Fills a prompt. `inputs` must hold an answer for every input the caller asked; declared defaults fill the rest.
 * The code is attached when the body does not place `${selection}`/`${fileContent}` itself: the selection, or
 * (nothing selected) the whole active file when it is not too large.
 */
export function resolvePrompt(entry: UsablePromptEntry, values: EditorValues, inputs: ReadonlyMap<string, string>): ResolvedPrompt {
  const def = entry.definition;
  const { text } = substitute(def, values, inputs);
  let attachment: PromptAttachment | undefined;
  if (!usesCode(def.body)) {
    const language = values.language ?? '';
    const title = values.file;
    if (values.selection !== undefined && values.selection.trim() !== '') {
      attachment = { text: values.selection, language, isSelection: true, ...(title !== undefined ? { title } : {}) };
    } else if (values.fileContent !== undefined && values.fileContent.trim() !== '' && values.fileContent.length <= maxAttachedFileChars) {
      attachment = { text: values.fileContent, language, isSelection: false, ...(title !== undefined ? { title } : {}) };
    }
  }
  return {
    name: def.name,
    source: entry.source,
    tier: def.tier,
    ...(def.model !== undefined ? { model: def.model } : {}),
    text,
    ...(attachment !== undefined ? { attachment } : {}),
  };
}

/** The context items of a resolved prompt: instructions first, the attached code last. */
export function promptContextItems(prompt: ResolvedPrompt): ContextItem[] {
  const items: ContextItem[] = [{ kind: 'instructions', id: 'prompt', text: prompt.text }];
  const a = prompt.attachment;
  if (a !== undefined) {
    items.push({ kind: 'selection', id: 'code', text: a.text, ...(a.language !== '' ? { language: a.language } : {}), ...(a.title !== undefined ? { title: a.title } : {}) });
  }
  return items;
}

/** The size of the attached code, for the router. */
export function routeCodeOf(prompt: ResolvedPrompt): RouteCode | undefined {
  const a = prompt.attachment;
  if (a === undefined) {
    return undefined;
  }
  return { lines: a.text.split('\n').length, chars: a.text.length, ...(a.language !== '' ? { languageId: a.language } : {}), fileCount: 1 };
}
