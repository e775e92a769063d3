/**
 * "Tiered: Run Evaluation Suite": picks a saved prompt that has test cases (`x.cases.yaml` next to `x.tiered.md`
 * in the workspace), picks installed models, runs the suite in the background with progress and cancel, and
 * writes the run to `.tiered/evals/`, then shows the results view. An interrupted run of the same suite is offered
 * for resuming. Also registers the results view's commands and "save a chat answer as a test case". A thin adapter
 * over `src/evaluation`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LlmBackend, ModelInfo } from '../../backend/types';
import { casePrompt } from '../../evaluation/casePrompt';
import { suiteTask } from '../../evaluation/cases';
import { compareRuns } from '../../evaluation/compare';
import type { EvalRun } from '../../evaluation/results';
import { runSuite } from '../../evaluation/runner';
import { FileEvalStore, previousFinishedRun, resumableRun } from '../../evaluation/storage';
import { loadSuite } from '../../evaluation/suiteFiles';
import { chatModels, modelTraits } from '../../routing/modelTraits';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';
import { registerBuiltinSuites } from './builtinSuites';
import { ResultsPanel } from './resultsPanel';
import { registerSaveChatAnswer } from './saveChatAnswer';

/** What the command returns (for tests): the run, or undefined when nothing ran. */
export type RunEvaluationResult = EvalRun | undefined;

async function installedModels(services: Services): Promise<{ models: ModelInfo[]; backends: Map<string, LlmBackend> }> {
  const backends = new Map<string, LlmBackend>();
  const models: ModelInfo[] = [];
  for (const backend of await services.backends.all()) {
    backends.set(backend.id, backend);
    try {
      models.push(...(await backend.listModels()));
    } catch (error) {
      services.logger.warn(`Evaluation: ${backend.id} lists no models: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { models, backends };
}

function summary(run: EvalRun): string {
  const done = run.cells.filter((c) => c.status === 'done');
  const mean = done.length === 0 ? 0 : done.reduce((n, c) => n + c.passRate, 0) / done.length;
  const errors = run.cells.length - done.length;
  return `${run.cells.length} cells, mean pass rate ${Math.round(mean * 100)} %${errors > 0 ? `, ${errors} failed to answer` : ''}`;
}

/** Registers the commands: run a suite, show the results (and apply their suggestion), save a chat answer as a case. */
export function registerEvaluation(services: Services): vscode.Disposable {
  const results = new ResultsPanel(services);
  return vscode.Disposable.from(results, registerSaveChatAnswer(services), registerBuiltinSuites(services), registerRunSuite(services, results));
}

function registerRunSuite(services: Services, results: ResultsPanel): vscode.Disposable {
  return vscode.commands.registerCommand(commandIds.runEvaluationSuite, async (casesUri?: vscode.Uri, modelNames?: readonly string[]): Promise<RunEvaluationResult> => {
    let uri = casesUri;
    if (uri === undefined) {
      const found = await vscode.workspace.findFiles('**/*.cases.{yaml,yml}', '**/node_modules/**', 200);
      if (found.length === 0) {
        void vscode.window.showInformationMessage('Tiered: no saved prompt has test cases yet. Add a "<prompt>.cases.yaml" file next to a ".tiered.md" prompt.');
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(
        found.map((u) => ({ label: path.basename(u.fsPath).replace(/\.cases\.ya?ml$/i, ''), description: vscode.workspace.asRelativePath(u), uri: u })),
        { title: 'Tiered: Run Evaluation Suite — which prompt?' },
      );
      uri = pick?.uri;
    }
    const folder = uri === undefined ? undefined : vscode.workspace.getWorkspaceFolder(uri);
    if (uri === undefined || folder === undefined) {
      return undefined;
    }
    const loaded = await loadSuite(uri.fsPath, async (file) => new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(file))));
    if (!loaded.ok) {
      void vscode.window.showErrorMessage(`Tiered: ${loaded.message}`);
      return undefined;
    }
    for (const p of loaded.suite.problems) {
      services.logger.warn(`Evaluation: ${p.message}`);
    }
    if (loaded.suite.cases.length === 0) {
      void vscode.window.showErrorMessage(`Tiered: no usable test case in ${vscode.workspace.asRelativePath(uri)}. ${loaded.suite.problems[0]?.message ?? ''}`);
      return undefined;
    }
    const { models: installed, backends } = await installedModels(services);
    // Fill-in-the-middle cases need the server's own FIM: models known not to have it are not offered.
    const fim = loaded.suite.cases.some((c) => c.suffix !== undefined);
    const candidates = fim ? installed.filter((m) => modelTraits(m).generates && m.capabilities.insert !== false) : chatModels(installed);
    let chosen: ModelInfo[];
    if (modelNames !== undefined) {
      chosen = candidates.filter((m) => modelNames.includes(m.name));
    } else {
      const picks = await vscode.window.showQuickPick(
        candidates.map((m) => ({ label: m.name, description: m.endpointId, picked: true, model: m })),
        { title: `Tiered: run "${loaded.prompt.name}" (${loaded.suite.cases.length} cases) on which models?`, canPickMany: true },
      );
      chosen = (picks ?? []).map((p) => p.model);
    }
    if (chosen.length === 0) {
      if (candidates.length === 0) {
        void vscode.window.showErrorMessage('Tiered: no installed chat model to evaluate. Check the connection (Tiered: Check Connection).');
      }
      return undefined;
    }
    const store = new FileEvalStore(path.join(folder.uri.fsPath, '.tiered', 'evals'));
    const stored = await store.list(loaded.prompt.name);
    for (const u of stored.unreadable) {
      services.logger.warn(`Evaluation: stored run ${u.id} is unreadable and ignored: ${u.message}`);
    }
    const interrupted = resumableRun(stored);
    let resume: EvalRun | undefined;
    if (interrupted !== undefined && interrupted.cells.length > 0 && modelNames === undefined) {
      const answer = await vscode.window.showInformationMessage(
        `Tiered: a run of "${loaded.prompt.name}" was interrupted with ${interrupted.cells.length} cells finished. Resume it?`,
        'Resume',
        'Start Over',
      );
      resume = answer === 'Resume' ? interrupted : undefined;
    }
    const controller = new AbortController();
    const entry = loaded.prompt;
    const run = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Tiered: evaluating "${entry.name}"`, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        return runSuite(
          {
            suite: entry.name,
            task: suiteTask(loaded.suite),
            cases: loaded.suite.cases,
            models: chosen,
            signal: controller.signal,
            ...(resume !== undefined ? { resume } : {}),
            onProgress: (p) => progress.report({ message: `${p.done}/${p.total}: ${p.cell.model} · ${p.cell.caseName}`, increment: 100 / p.total }),
          },
          {
            backendFor: (m) => backends.get(m.endpointId) ?? missingBackend(m),
            installed,
            store,
            // A fill-in-the-middle case sends the code before the cursor as it is (the suffix goes with it).
            promptFor: (c) => (c.suffix !== undefined ? (c.selection ?? '') : casePrompt(entry, c)),
          },
        );
      },
    );
    const previous = previousFinishedRun(await store.list(entry.name), run.id);
    const regressions = previous === undefined ? [] : compareRuns(previous, run).regressions;
    const file = vscode.Uri.file(path.join(folder.uri.fsPath, '.tiered', 'evals', store.folderName(entry.name), `${run.id}.json`));
    services.logger.info(`Evaluation of "${entry.name}" ${run.status}: ${summary(run)}. Saved in ${file.fsPath}.`);
    const regressionText = regressions.length === 0 ? '' : ` ${regressions.length} cell(s) got worse than the previous run (${regressions.slice(0, 3).map((r) => `${r.model} · ${r.caseName}`).join(', ')}).`;
    await results.show();
    void vscode.window
      .showInformationMessage(`Tiered: evaluation ${run.status === 'finished' ? 'finished' : 'cancelled (finished cells kept; run it again to resume)'}: ${summary(run)}.${regressionText}`, 'Open Run File')
      .then((choice) => {
        if (choice === 'Open Run File') {
          void vscode.window.showTextDocument(file);
        }
      });
    return run;
  });
}

function missingBackend(model: ModelInfo): never {
  throw new Error(`the endpoint ${model.endpointId} of ${model.name} is no longer configured`);
}
