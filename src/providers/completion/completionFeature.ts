import * as vscode from 'vscode';
import { ReportDocuments, reportSchemes } from '../shared/reportDocuments';
import { isTieredError } from '../../backend/errors';
import type { TieredError } from '../../backend/errors';
import { explainAttempts } from '../../completion/attemptLog';
import { describeLatency, latencyAdvice } from '../../completion/latencyHealth';
import { CompletionPipeline } from '../../completion/pipeline';
import type { ResolvedModel } from '../../completion/pipeline';
import { describeRequestPolicy } from '../../completion/stages/requestPolicy';
import type { CompletionOutcome } from '../../completion/types';
import { systemClock } from '../../util/clock';
import { commandIds } from '../commands/commandIds';
import type { Services } from '../services';
import { registerChooseCompletionModel } from './chooseCompletionModel';
import { CompletionErrorNotifier } from './completionErrors';
import { CompletionStatusBar } from './completionStatusBar';
import { InlineCompletionProvider } from './inlineCompletionProvider';
import { reportKeystrokes } from './keystrokes';
import { continueAfterAccept, warmUpWhenIdle } from './readyBeforePause';
import { watchMissedTriggers } from './missedTriggers';
import { createRepoContext } from './repoContextAdapter';

/** Inline ghost-text completions: the provider, its status bar item, its commands. */
export function registerCompletions(services: Services): vscode.Disposable {
  const disposables: vscode.Disposable[] = [];
  const status = new CompletionStatusBar();
  const notifier = new CompletionErrorNotifier();
  disposables.push(status);
  const reports = new ReportDocuments(reportSchemes.whyNoCompletion);
  disposables.push(reports);

  // The model is routed once and kept until settings or the servers change: never a model list per keystroke.
  let resolved: Promise<ResolvedModel | TieredError> | undefined;
  let endpointId: string | undefined;
  const forget = (): void => {
    resolved = undefined;
  };
  const resolveModel = (): Promise<ResolvedModel | TieredError> => {
    resolved ??= (async () => {
      const pinned = services.settings.current['completion.model'];
      const routed = await services.routing.route({ task: 'inlineCompletion', text: '', ...(pinned !== '' ? { override: { model: pinned } } : {}) });
      if (isTieredError(routed)) {
        resolved = undefined;
        return routed;
      }
      endpointId = routed.backend.id;
      services.logger.info(`Inline completions use ${routed.model.name} on ${routed.backend.id}: ${routed.decision.reasons.join('; ')}`);
      // A model measured before (also in an earlier session: the speeds persist) starts with its known time to
      // first token, so the debounce and the keep/prefetch policy need not learn it again.
      const measured = services.routing.speeds.get(routed.backend.id, routed.model.name)?.timeToFirstTokenMs;
      return { backend: routed.backend, model: routed.model, ...(measured !== undefined && measured > 0 ? { timeToFirstTokenMs: measured } : {}) };
    })();
    return resolved;
  };

  const repoContext = createRepoContext(services);
  disposables.push(repoContext);
  const pipeline = new CompletionPipeline({ resolveModel, clock: systemClock, settings: () => services.settings.current, logger: services.logger, repoContext: repoContext.source });
  const stateSubscription = pipeline.onState((state, model) => {
    status.update(state, model);
    const speed = pipeline.latency.verdict();
    status.updateSpeed(describeLatency(speed, model), latencyAdvice(speed));
  });

  let lastRecheck = 0;
  const onOutcome = (outcome: CompletionOutcome): void => {
    if (outcome.kind === 'shown') {
      notifier.recovered();
      // Real generations teach the router this model's speed (it avoids models too slow for completions).
      if (outcome.metrics !== undefined && endpointId !== undefined) {
        services.routing.speeds.record(endpointId, outcome.model, outcome.metrics);
      }
    } else if (outcome.kind === 'error') {
      status.update('error', undefined, outcome.error.message);
      notifier.report(outcome.error);
      // The model or server changed under us: route again, and refresh what we know (at most every 10 s).
      forget();
      if (Date.now() - lastRecheck > 10_000) {
        lastRecheck = Date.now();
        void services.connection.check();
      }
    } else if (outcome.kind === 'skipped') {
      const off = outcome.reason === 'disabled' || outcome.reason === 'languageDisabled' || outcome.reason === 'fileTooLarge' || outcome.reason === 'excluded';
      status.update(off ? 'disabled' : 'idle', undefined, outcome.message);
    }
  };

  const missedTriggers = watchMissedTriggers(services);
  /** Why a document is a sensitive file (every request built outside the provider carries it too), or undefined. */
  const sensitive = (uri: vscode.Uri): string | undefined => services.sensitiveFiles.check(uri)?.sentence;

  disposables.push(
    missedTriggers,
    registerChooseCompletionModel(services),
    vscode.languages.registerInlineCompletionItemProvider(
      { pattern: '**' },
      new InlineCompletionProvider(
        pipeline,
        onOutcome,
        (uri, invoked) => missedTriggers.onCall(uri, invoked),
        async (uri) => (await services.sensitiveFiles.checkWhenReady(uri))?.sentence,
      ),
    ),
    services.settings.onDidChange(() => {
      forget();
      pipeline.invalidate();
    }),
    vscode.commands.registerCommand(commandIds.completionAccepted, (uri: string, languageId: string) => continueAfterAccept(pipeline, uri, languageId, sensitive)),
    warmUpWhenIdle(pipeline, sensitive),
    reportKeystrokes(pipeline),
    vscode.commands.registerCommand(commandIds.triggerCompletion, () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger')),
    vscode.commands.registerCommand(commandIds.toggleCompletions, async () => {
      const enabled = !services.settings.current['completion.enabled'];
      // A workspace value that wins over the user's is explained by writeUser instead.
      if ((await services.settings.writeUser({ 'completion.enabled': enabled })).length === 0) {
        void vscode.window.showInformationMessage(`Tiered: inline completions ${enabled ? 'on' : 'off'}.`);
      }
    }),
    vscode.commands.registerCommand(commandIds.toggleCompletionsForLanguage, async () => {
      const languageId = vscode.window.activeTextEditor?.document.languageId;
      if (!languageId) {
        return;
      }
      const disabled = services.settings.current['completion.disabledLanguages'].includes(languageId);
      // From the user's own list: the effective one may be the workspace's, which must not be copied into user settings.
      const own = services.settings.userValue('completion.disabledLanguages');
      const mine = Array.isArray(own) ? own.filter((l): l is string => typeof l === 'string') : [];
      const next = disabled ? mine.filter((l) => l !== languageId) : [...mine, languageId];
      if ((await services.settings.writeUser({ 'completion.disabledLanguages': next })).length === 0) {
        void vscode.window.showInformationMessage(`Tiered: inline completions ${disabled ? 'on' : 'off'} for ${languageId}.`);
      }
    }),
    vscode.commands.registerCommand(commandIds.whyNoCompletion, async () => {
      const requestPolicy = describeRequestPolicy(pipeline.policy, services.settings.current['completion.requestPolicy'], systemClock.now());
      const text = `# Why no completion?\n\n${explainAttempts(pipeline.attempts.recent(), systemClock.now(), { inFlight: pipeline.attempts.inFlight(), latency: pipeline.latency.verdict(), model: pipeline.model, requestPolicy, repoContext: repoContext.report() })}\n`;
      services.logger.info(text);
      await reports.show('Why no completion.md', text, { preview: true, viewColumn: vscode.ViewColumn.Beside });
      return text;
    }),
    vscode.commands.registerCommand(commandIds.completionMenu, async () => {
      const languageId = vscode.window.activeTextEditor?.document.languageId;
      const settings = services.settings.current;
      const items: (vscode.QuickPickItem & { command: string })[] = [
        { label: settings['completion.enabled'] ? '$(circle-slash) Turn Completions Off' : '$(sparkle) Turn Completions On', command: commandIds.toggleCompletions },
        ...(languageId ? [{ label: `$(symbol-keyword) Toggle Completions for ${languageId}`, command: commandIds.toggleCompletionsForLanguage }] : []),
        { label: '$(question) Why No Completion?', command: commandIds.whyNoCompletion },
        { label: '$(plug) Check Connection', command: commandIds.checkConnection },
        { label: '$(list-selection) Choose Completion Model…', command: commandIds.chooseCompletionModel },
        { label: '$(output) Show Log', command: commandIds.showLog },
      ];
      const choice = await vscode.window.showQuickPick(items, { title: 'Tiered completions' });
      if (choice) {
        await vscode.commands.executeCommand(choice.command);
      }
    }),
  );

  const connectionSubscription = services.connection.onDidChange(forget);
  return vscode.Disposable.from(...disposables, { dispose: () => stateSubscription.dispose() }, { dispose: () => connectionSubscription.dispose() }, { dispose: () => pipeline.dispose() });
}
