/**
 * Every command id the extension registers, in one typed table. A unit test checks it against
 * package.json's `contributes.commands`, so a typo fails the build instead of a user's click.
 */
export const commandIds = {
  checkConnection: 'tiered.checkConnection',
  setApiKey: 'tiered.setApiKey',
  showLog: 'tiered.showLog',
  refreshModels: 'tiered.refreshModels',
  openSettings: 'tiered.openSettings',
  showRoutingLog: 'tiered.showRoutingLog',
  triggerCompletion: 'tiered.triggerCompletion',
  toggleCompletions: 'tiered.toggleCompletions',
  toggleCompletionsForLanguage: 'tiered.toggleCompletionsForLanguage',
  whyNoCompletion: 'tiered.whyNoCompletion',
  completionMenu: 'tiered.completionMenu',
  completionAccepted: 'tiered.completionAccepted',
  promptsNew: 'tiered.prompts.new',
  promptsEdit: 'tiered.prompts.edit',
  promptsRename: 'tiered.prompts.rename',
  promptsDuplicate: 'tiered.prompts.duplicate',
  promptsDelete: 'tiered.prompts.delete',
  promptsMove: 'tiered.prompts.move',
  promptsCustomize: 'tiered.prompts.customize',
  promptsRun: 'tiered.prompts.run',
  promptsCopy: 'tiered.prompts.copy',
  promptsToggleFavorite: 'tiered.prompts.toggleFavorite',
  promptsImport: 'tiered.prompts.import',
  promptsExport: 'tiered.prompts.export',
  promptsRunSaved: 'tiered.prompts.runSaved',
  promptsSaveSelection: 'tiered.prompts.saveSelection',
  promptsRestore: 'tiered.prompts.restore',
  promptsRefresh: 'tiered.prompts.refresh',
  explainSelection: 'tiered.explainSelection',
  reviewSelection: 'tiered.reviewSelection',
  askAboutSelection: 'tiered.askAboutSelection',
  clearReviewFindings: 'tiered.clearReviewFindings',
  reviewApplyFix: 'tiered.review.applyFix',
  reviewAskAboutFinding: 'tiered.review.askAboutFinding',
  reviewDismissFinding: 'tiered.review.dismissFinding',
  reviewShowFinding: 'tiered.review.showFinding',
  chatNewConversation: 'tiered.chat.newConversation',
  chatExport: 'tiered.chat.export',
  chatImport: 'tiered.chat.import',
  pullModel: 'tiered.pullModel',
  cancelPull: 'tiered.cancelPull',
  removeModel: 'tiered.removeModel',
  configureTiers: 'tiered.configureTiers',
  benchmarkModels: 'tiered.benchmarkModels',
  statusMenu: 'tiered.statusMenu',
  connectServer: 'tiered.connectServer',
  openWalkthrough: 'tiered.openWalkthrough',
  tryCompletion: 'tiered.tryCompletion',
  openChat: 'tiered.openChat',
} as const;

export type CommandId = (typeof commandIds)[keyof typeof commandIds];

/** View ids, matching package.json's `contributes.views`. */
export const viewIds = {
  models: 'tiered.models',
  prompts: 'tiered.prompts',
  chat: 'tiered.chat',
} as const;
