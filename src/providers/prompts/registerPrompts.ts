import * as vscode from 'vscode';
import { builtinPromptFiles } from '../../prompts/builtins';
import { promptFileExtension } from '../../prompts/format';
import { findPrompt } from '../../prompts/library';
import type { LibrarySnapshot } from '../../prompts/library';
import { viewIds } from '../commands/commandIds';
import type { Services } from '../services';
import { PromptCommands } from './promptCommands';
import { PromptLibraryService } from './promptLibraryService';
import type { PromptRunner } from './promptRunner';
import { PromptsTreeProvider } from './promptsTree';
import { findForRun, promptMenuItems, slashPromptCommands, slashRunSchema } from './slashPrompts';

/** Problems of prompt files, in the Problems panel under this name. */
export const promptDiagnosticsName = 'Tiered prompts';

/** Publishes every prompt file problem (errors and warnings) with its line. */
export function publishDiagnostics(collection: vscode.DiagnosticCollection, snapshot: LibrarySnapshot): void {
  collection.clear();
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const entry of snapshot.entries) {
    if (entry.file === undefined) {
      continue;
    }
    for (const p of entry.problems) {
      const line = Math.max(0, p.line - 1);
      const col = Math.max(0, p.column - 1);
      const d = new vscode.Diagnostic(
        new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER),
        p.message,
        p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
      );
      d.source = 'Tiered prompts';
      const list = byFile.get(entry.file) ?? [];
      list.push(d);
      byFile.set(entry.file, list);
    }
  }
  for (const [file, diagnostics] of byFile) {
    collection.set(vscode.Uri.file(file), diagnostics);
  }
}

/**
 * The saved prompt library feature: the "Prompts" view, its commands, live reload, and Problems entries.
 * `runner` runs a filled prompt (the extension passes the chat's).
 */
export function registerPrompts(services: Services, runner: PromptRunner): vscode.Disposable {
  const library = new PromptLibraryService(services.extension, services.logger);
  const tree = new PromptsTreeProvider(library);
  const view = vscode.window.createTreeView(viewIds.prompts, { treeDataProvider: tree, showCollapseAll: true });
  const diagnostics = vscode.languages.createDiagnosticCollection(promptDiagnosticsName);
  const commands = new PromptCommands(library, runner, services.logger, (uri) => services.sensitiveFiles.confirm(uri, 'Send it to the model with this prompt anyway', 'Send Anyway'));
  const onChange = library.onDidChange((snapshot) => {
    tree.refresh();
    publishDiagnostics(diagnostics, snapshot);
  });
  // Built-ins open read-only under their own scheme.
  const builtinDocs = vscode.workspace.registerTextDocumentContentProvider('tiered-prompt', {
    provideTextDocumentContent: (uri) => {
      const key = uri.path.replace(/^\//, '').slice(0, -promptFileExtension.length);
      return Object.hasOwn(builtinPromptFiles, key) ? builtinPromptFiles[key] : undefined;
    },
  });
  library.reloadInBackground();
  return vscode.Disposable.from(commands.register(), registerSlashCommands(services, library, commands), onChange, view, tree, diagnostics, builtinDocs, library);
}

/**
 * The chat's `/` menu reaches the library through these internal commands: the list to show, and running the
 * chosen prompt through the same path as "Run Saved Prompt…" (editor variables, inputs asked, cancel sends nothing).
 */
function registerSlashCommands(services: Services, library: PromptLibraryService, commands: PromptCommands): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(slashPromptCommands.menu, () => promptMenuItems(library.snapshot, (entry) => library.usage(entry))),
    vscode.commands.registerCommand(slashPromptCommands.run, async (arg: unknown): Promise<boolean> => {
      const parsed = slashRunSchema.safeParse(arg);
      if (!parsed.success) {
        services.logger.warn(`Prompts: ignored an invalid run request (${parsed.error.issues.map((i) => i.message).join('; ')})`);
        return false;
      }
      const entry = findForRun(library.snapshot, parsed.data, (name) => findPrompt(library.snapshot, name));
      if (entry === undefined) {
        void vscode.window.showWarningMessage(`Tiered: there is no saved prompt "${parsed.data.name}" any more (renamed or deleted?).`);
        return false;
      }
      try {
        return await commands.runEntry(entry, parsed.data.extra);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        services.logger.error(`Prompts: running "${entry.name}" from the chat failed: ${message}`);
        void vscode.window.showErrorMessage(`Tiered: ${message}`);
        return false;
      }
    }),
  );
}
