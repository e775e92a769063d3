/**
 * A suite on disk: a cases file and the saved prompt next to it (`x.cases.yaml` ↔ `x.tiered.md`, or the legacy
 * `x.prompt.md`). Reading goes through a port, so this stays pure and testable. Pure: no `vscode` import.
 */
import { legacyPromptFileExtension, parsePromptFile, promptFileExtension } from '../prompts/format';
import type { UsablePromptEntry } from '../prompts/types';
import { parseCasesFile } from './cases';
import type { CaseSuite } from './cases';

/** Reads a text file; rejects when it is missing. */
export type ReadText = (file: string) => Promise<string>;

/** A suite ready to run, or why not. */
export type LoadedSuite =
  | { readonly ok: true; readonly prompt: UsablePromptEntry; readonly suite: CaseSuite }
  | { readonly ok: false; readonly message: string };

/** The prompt files a cases file may belong to, preferred first. */
export function promptFilesFor(casesFile: string): string[] {
  const base = casesFile.replace(/\.cases\.ya?ml$/i, '');
  return [`${base}${promptFileExtension}`, `${base}${legacyPromptFileExtension}`];
}

/** Reads a cases file and its prompt. A malformed case is in `suite.problems`; a missing or broken prompt is an error. */
export async function loadSuite(casesFile: string, read: ReadText): Promise<LoadedSuite> {
  let casesText: string;
  try {
    casesText = await read(casesFile);
  } catch (error) {
    return { ok: false, message: `${casesFile} could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
  for (const file of promptFilesFor(casesFile)) {
    let source: string;
    try {
      source = await read(file);
    } catch {
      continue;
    }
    const parsed = parsePromptFile(source, file);
    if (!parsed.ok) {
      return { ok: false, message: `the prompt ${file} is malformed: ${parsed.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}` };
    }
    const prompt: UsablePromptEntry = { id: `workspace:${file}`, source: 'workspace', name: parsed.prompt.name, file, definition: parsed.prompt, problems: parsed.problems };
    return { ok: true, prompt, suite: parseCasesFile(casesText, casesFile) };
  }
  return { ok: false, message: `no saved prompt next to ${casesFile} (expected ${promptFilesFor(casesFile)[0] ?? ''})` };
}
