/**
 * "Tiered: Create Evaluation Suites from My Code": the built-in suites, made from this workspace's source files —
 * review (a bug planted into copies of the user's functions: is the right line reported?), completion (lines
 * held out of the user's files: exact and similar match), explain (the user's functions, judged on a rubric) and
 * quick questions (about the user's functions, checked against their code).
 * Sensitive files (services.sensitiveFiles) are never read into a case, since the cases are sent to models. The suites are written to `.tiered/evals/cases/` (plain
 * files a team can commit) and can be run at once.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { explainCases, explainPromptFile } from '../../evaluation/builtin/explainSuite';
import { quickQuestionCases, quickQuestionsPromptFile } from '../../evaluation/builtin/quickQuestions';
import { heldOutCompletionCases, heldOutPromptFile } from '../../evaluation/builtin/heldOut';
import { seededBugCases, seededBugsPromptFile } from '../../evaluation/builtin/seededBugs';
import type { SourceFile } from '../../evaluation/builtin/seededBugs';
import { stringifyCases } from '../../evaluation/cases';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';

/** File extension → language id, for the languages the generators understand. */
const languages: Readonly<Record<string, string>> = {
  '.ts': 'typescript',
  '.tsx': 'typescriptreact',
  '.js': 'javascript',
  '.jsx': 'javascriptreact',
  '.mjs': 'javascript',
  '.java': 'java',
  '.c': 'c',
  '.cpp': 'cpp',
  '.cs': 'csharp',
  '.go': 'go',
  '.rs': 'rust',
  '.kt': 'kotlin',
  '.swift': 'swift',
  '.php': 'php',
  '.py': 'python',
};
const maxFiles = 200;
const maxFileBytes = 200_000;

/** What the command wrote (for tests). */
export interface BuiltinSuitesResult {
  readonly files: readonly string[];
  readonly reviewCases: number;
  readonly completionCases: number;
  readonly explainCases: number;
  readonly quickQuestionCases: number;
  readonly skippedSensitive: number;
}

async function sourceFiles(services: Services, folder: vscode.WorkspaceFolder): Promise<{ files: SourceFile[]; skipped: number }> {
  const pattern = new vscode.RelativePattern(folder, `**/*{${Object.keys(languages).join(',')}}`);
  const uris = await vscode.workspace.findFiles(pattern, '{**/node_modules/**,**/dist/**,**/out/**,**/build/**,**/.*/**,**/*.min.js,**/*.d.ts}', maxFiles);
  const files: SourceFile[] = [];
  let skipped = 0;
  for (const uri of uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
    if ((await services.sensitiveFiles.checkWhenReady(uri)) !== undefined) {
      skipped++;
      continue;
    }
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      if (bytes.byteLength > maxFileBytes) {
        continue;
      }
      const language = languages[path.extname(uri.fsPath).toLowerCase()] ?? 'plaintext';
      files.push({ path: vscode.workspace.asRelativePath(uri, false), text: new TextDecoder().decode(bytes).replace(/\r\n/g, '\n'), language });
    } catch {
      // A file that vanished or cannot be read is simply not used.
    }
  }
  return { files, skipped };
}

/** Registers the command. */
export function registerBuiltinSuites(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.createBuiltinEvaluationSuites, async (): Promise<BuiltinSuitesResult | undefined> => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder === undefined) {
      void vscode.window.showErrorMessage('Tiered: open a folder first: the built-in suites are made from its code.');
      return undefined;
    }
    const { files, skipped } = await sourceFiles(services, folder);
    const review = seededBugCases(files);
    const completion = heldOutCompletionCases(files);
    const explain = explainCases(files);
    const quick = quickQuestionCases(files);
    if (review.length === 0 && completion.length === 0 && explain.length === 0 && quick.length === 0) {
      void vscode.window.showInformationMessage(`Tiered: found no function or code line to build cases from in ${files.length} source files.`);
      return undefined;
    }
    const dir = path.join(folder.uri.fsPath, '.tiered', 'evals', 'cases');
    const outputs: [string, string][] = [];
    if (review.length > 0) {
      outputs.push([path.join(dir, 'seeded-bugs.tiered.md'), seededBugsPromptFile()], [path.join(dir, 'seeded-bugs.cases.yaml'), `# Built by Tiered from your code; rebuild with "Tiered: Create Evaluation Suites from My Code".\n${stringifyCases(review, 'review')}`]);
    }
    if (completion.length > 0) {
      outputs.push(
        [path.join(dir, 'held-out-completions.tiered.md'), heldOutPromptFile()],
        [path.join(dir, 'held-out-completions.cases.yaml'), `# Built by Tiered from your code; rebuild with "Tiered: Create Evaluation Suites from My Code".\n${stringifyCases(completion, 'inlineCompletion')}`],
      );
    }
    if (explain.length > 0) {
      outputs.push([path.join(dir, 'explain-my-code.tiered.md'), explainPromptFile()], [path.join(dir, 'explain-my-code.cases.yaml'), `# Built by Tiered from your code; rebuild with "Tiered: Create Evaluation Suites from My Code".\n${stringifyCases(explain, 'explain')}`]);
    }
    if (quick.length > 0) {
      outputs.push([path.join(dir, 'quick-questions.tiered.md'), quickQuestionsPromptFile()], [path.join(dir, 'quick-questions.cases.yaml'), `# Built by Tiered from your code; rebuild with "Tiered: Create Evaluation Suites from My Code".\n${stringifyCases(quick, 'chat')}`]);
    }
    const existing = (await Promise.all(outputs.map(async ([file]) => ((await vscode.workspace.fs.stat(vscode.Uri.file(file)).then(() => true, () => false)) ? file : undefined)))).filter((f) => f !== undefined);
    if (existing.length > 0) {
      const choice = await vscode.window.showWarningMessage('Tiered: replace the built-in suites made earlier (any edits to them are lost)?', { modal: true }, 'Replace');
      if (choice !== 'Replace') {
        return undefined;
      }
    }
    for (const [file, text] of outputs) {
      await vscode.workspace.fs.writeFile(vscode.Uri.file(file), new TextEncoder().encode(text));
    }
    const note = skipped > 0 ? ` ${skipped} sensitive file${skipped === 1 ? ' was' : 's were'} left out.` : '';
    services.logger.info(`Evaluation: built-in suites from ${files.length} files: ${review.length} seeded-bug review cases, ${completion.length} held-out completion cases, ${explain.length} explain cases, ${quick.length} quick-question cases.${note}`);
    void vscode.window
      .showInformationMessage(`Tiered: made ${review.length} review cases (planted bugs), ${completion.length} completion cases (held-out lines), ${explain.length} explain cases (judged on a rubric) and ${quick.length} quick questions (checked against the code) from your code.${note}`, 'Run Review Suite', 'Run Completion Suite')
      .then((choice) => {
        const target = choice === 'Run Review Suite' ? 'seeded-bugs' : choice === 'Run Completion Suite' ? 'held-out-completions' : undefined;
        if (target !== undefined) {
          void vscode.commands.executeCommand(commandIds.runEvaluationSuite, vscode.Uri.file(path.join(dir, `${target}.cases.yaml`)));
        }
      });
    return { files: outputs.map(([f]) => f), reviewCases: review.length, completionCases: completion.length, explainCases: explain.length, quickQuestionCases: quick.length, skippedSensitive: skipped };
  });
}
