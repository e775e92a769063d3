import type { Feature } from './providers/services';
import { registerBasicCommands } from './providers/commands/basicCommands';
import { registerCheckConnection } from './providers/commands/checkConnection';
import { registerSetApiKey } from './providers/commands/setApiKey';
import { registerShowRoutingLog } from './providers/commands/showRoutingLog';
import { registerConnectionStatus } from './providers/connectionStatusBar';
import { registerModelsView } from './providers/modelsView';
import { registerCompletions } from './providers/completion/completionFeature';
import { registerPrompts } from './providers/prompts/registerPrompts';
import { ChatPromptRunner } from './providers/prompts/chatPromptRunner';
import { registerExplainReview } from './providers/explainReview/registerExplainReview';
import { ChatExplainSink } from './providers/explainReview/chatExplainSink';
import { registerChat } from './providers/chat/chatViewProvider';
import { onboardingActivity } from './providers/onboarding/activity';
import { registerOnboarding } from './providers/onboarding/registerOnboarding';
import { registerIndex } from './providers/index/registerIndex';
import { registerEvaluation } from './providers/evaluation/registerEvaluation';
import { registerEngine } from './providers/engine/registerEngine';

/** Every feature of the extension, in activation order. Each registers itself and owns its disposables. */
export const features: readonly Feature[] = [
  { name: 'basic commands', activate: registerBasicCommands },
  { name: 'check connection', activate: registerCheckConnection },
  { name: 'API keys', activate: registerSetApiKey },
  { name: 'routing log', activate: registerShowRoutingLog },
  { name: 'connection status', activate: (services) => registerConnectionStatus(services, onboardingActivity) },
  { name: 'models view', activate: registerModelsView },
  { name: 'models and onboarding', activate: registerOnboarding },
  { name: 'built-in engine', activate: registerEngine },
  { name: 'inline completions', activate: registerCompletions },
  { name: 'prompt library', activate: (services) => registerPrompts(services, new ChatPromptRunner()) },
  { name: 'chat', activate: registerChat },
  { name: 'explain and review', activate: (services) => registerExplainReview(services, { sink: new ChatExplainSink(services.chatHub, services.logger) }) },
  { name: 'workspace index', activate: registerIndex },
  { name: 'evaluation', activate: registerEvaluation },
];
