import * as vscode from 'vscode';
import { openAiEndpointSchema, settingDefinitions } from '../../settings/schema';
import type { EndpointReport } from '../../backend/checkConnection';
import { commandIds, viewIds } from '../commands/commandIds';
import type { Services } from '../services';

/** The walkthrough's full id (`publisher.name#id`). */
export const walkthroughId = 'tiered.tiered#tiered.gettingStarted';

const sample = `// Tiered: type after the comment below and pause — a suggestion appears in grey. Tab accepts it.
// If nothing appears, click the Tiered item in the status bar.

/** Returns the n-th Fibonacci number. */
function fibonacci(n: number): number {
  `;

async function checkAndExplain(services: Services, id: string, undo: () => Promise<void>): Promise<EndpointReport | undefined> {
  const reports = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Tiered: connecting…' }, () => services.connection.check());
  const report = reports.find((r) => r.id === id);
  if (report?.reachable === true) {
    const next = report.models.length === 0 ? 'Pull Model…' : 'Configure Tiers…';
    void vscode.window.showInformationMessage(`Tiered: ${report.id} answered at ${report.baseUrl} with ${report.models.length} model${report.models.length === 1 ? '' : 's'}.`, next).then((c) => {
      if (c === 'Pull Model…') {
        void vscode.commands.executeCommand(commandIds.pullModel);
      } else if (c) {
        void vscode.commands.executeCommand(commandIds.configureTiers);
      }
    });
    return report;
  }
  // The new setting stays unless the user asks to undo it: maybe the server is simply not started yet.
  const why = report?.error?.message ?? 'No answer.';
  const choice = await vscode.window.showWarningMessage(`Tiered: ${why}`, 'Try Again', 'Undo Change', 'Keep Setting');
  if (choice === 'Try Again') {
    return checkAndExplain(services, id, undo);
  }
  if (choice === 'Undo Change') {
    await undo();
    void services.connection.check();
  }
  return report;
}

async function askUrl(prompt: string, value: string): Promise<string | undefined> {
  const url = await vscode.window.showInputBox({
    title: 'Tiered: Connect to a Model Server',
    prompt,
    value,
    validateInput: (v) => (settingDefinitions['ollama.baseUrl'].schema.safeParse(v).success ? undefined : 'An http:// or https:// URL, e.g. http://127.0.0.1:11434'),
  });
  return url === undefined ? undefined : settingDefinitions['ollama.baseUrl'].schema.parse(url);
}

/** "Connect to a Model Server…": detect Ollama, point to another Ollama, or add an OpenAI-compatible endpoint. */
async function connectServer(services: Services): Promise<EndpointReport | undefined> {
  const settings = services.settings.current;
  const write = (key: 'ollama.enabled' | 'ollama.baseUrl' | 'openAiEndpoints', value: unknown): Promise<unknown> => services.settings.writeUser({ [key]: value });
  const pick = await vscode.window.showQuickPick(
    [
      { label: `$(search) Detect Ollama at ${settings['ollama.baseUrl']}`, detail: 'Start it first with `ollama serve` (or the Ollama app).', id: 'detect' },
      { label: '$(server) Ollama at another address…', detail: 'e.g. a machine on your network: http://192.168.1.20:11434', id: 'ollama' },
      { label: '$(plug) An OpenAI-compatible server…', detail: "llama.cpp's llama-server, LM Studio, vLLM", id: 'openai' },
    ],
    { title: 'Tiered: Connect to a Model Server' },
  );
  if (pick === undefined) {
    return undefined;
  }
  if (pick.id === 'detect') {
    const wasEnabled = settings['ollama.enabled'];
    if (!wasEnabled) {
      await write('ollama.enabled', true);
    }
    return checkAndExplain(services, 'ollama', async () => {
      if (!wasEnabled) {
        await write('ollama.enabled', false);
      }
    });
  }
  if (pick.id === 'ollama') {
    const previous = services.settings.userValue('ollama.baseUrl');
    const url = await askUrl('Address of the Ollama server', settings['ollama.baseUrl']);
    if (url === undefined) {
      return undefined;
    }
    await write('ollama.baseUrl', url);
    return checkAndExplain(services, 'ollama', async () => {
      await write('ollama.baseUrl', previous);
    });
  }
  const name = await vscode.window.showInputBox({
    title: 'Tiered: OpenAI-compatible server',
    prompt: 'A short name for it (tiers refer to it by this name)',
    value: 'llamacpp',
    validateInput: (v) => {
      if (settings.openAiEndpoints.some((e) => e.name === v.trim()) || v.trim() === 'ollama') {
        return 'That name is taken.';
      }
      const r = openAiEndpointSchema.shape.name.safeParse(v);
      return r.success ? undefined : 'Letters, digits, ".", "_" or "-" only.';
    },
  });
  if (name === undefined) {
    return undefined;
  }
  const url = await askUrl('Base URL of the server (with or without /v1)', 'http://127.0.0.1:8080');
  if (url === undefined) {
    return undefined;
  }
  // Appended to the user's own list as written (an entry the reader rejects is kept for the user to fix, not dropped).
  const before = services.settings.userValue('openAiEndpoints');
  await write('openAiEndpoints', [...(Array.isArray(before) ? before : []), { name: name.trim(), baseUrl: url }]);
  return checkAndExplain(services, name.trim(), async () => {
    await write('openAiEndpoints', before);
  });
}

/** Commands the walkthrough and the welcome view link to. */
export function registerGettingStarted(services: Services): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(commandIds.connectServer, () => connectServer(services)),
    vscode.commands.registerCommand(commandIds.openWalkthrough, () => vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughId, false)),
    vscode.commands.registerCommand(commandIds.tryCompletion, async () => {
      const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: sample });
      const editor = await vscode.window.showTextDocument(doc);
      const end = doc.lineAt(doc.lineCount - 1).range.end;
      editor.selection = new vscode.Selection(end, end);
      if (!services.settings.current['completion.enabled']) {
        void vscode.window.showInformationMessage('Tiered: inline completions are turned off.', 'Turn On').then((c) => {
          if (c) {
            void vscode.commands.executeCommand(commandIds.toggleCompletions);
          }
        });
      }
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      return doc.uri.toString();
    }),
    vscode.commands.registerCommand(commandIds.openChat, async () => {
      const all = await vscode.commands.getCommands(true);
      const focus = `${viewIds.chat}.focus`;
      await vscode.commands.executeCommand(all.includes(focus) ? focus : 'workbench.view.extension.tiered');
    }),
  );
}
