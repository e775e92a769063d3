/**
 * The prompt library's side of the chat's `/` menu: what the menu lists, and how a prompt chosen there runs.
 * The chat view reaches the library through the two internal commands below (the features do not depend on
 * each other's construction order). Pure: no runtime `vscode` import, so it is unit-tested directly.
 */
import { z } from 'zod';
import type { LibrarySnapshot } from '../../prompts/library';
import type { PromptEntry, ResolvedPrompt } from '../../prompts/types';
import { isUsable } from '../../prompts/types';
import type { PromptUsage } from '../../prompts/usageStats';
import { compareForPick } from '../../prompts/usageStats';
import { inputsOf } from '../../prompts/variables';
import type { PromptMenuItem } from '../../webview/protocol';

/** Internal commands (not in package.json): `menu` → PromptMenuItem[]; `run` (SlashRunArgument) → boolean (sent?). */
export const slashPromptCommands = {
  menu: 'tiered.prompts.internal.menu',
  run: 'tiered.prompts.internal.run',
} as const;

/** The argument of the `run` command, validated because any extension can call a command. */
export const slashRunSchema = z.object({
  /** The library id from the menu; the name is the fallback when the file changed meanwhile. */
  promptId: z.string().min(1).max(4096).optional(),
  name: z.string().min(1).max(200),
  /** Text typed after the command (`/explain focus on errors`). */
  extra: z.string().max(20_000).optional(),
});
export type SlashRunArgument = z.infer<typeof slashRunSchema>;

/**
 * The menu's rows: every runnable prompt (hidden ones excluded) in quick-pick order (favorites, most used, most
 * recent, name), then each malformed prompt file with its first error (listed disabled: it cannot run).
 */
export function promptMenuItems(snapshot: LibrarySnapshot, usage: (entry: PromptEntry) => PromptUsage): PromptMenuItem[] {
  const runnable = snapshot.effective
    .map((entry) => ({ entry, usage: usage(entry), name: entry.name }))
    .sort(compareForPick)
    .map(({ entry, usage: u }): PromptMenuItem => ({
      id: entry.id,
      name: entry.name,
      description: entry.definition.description,
      source: entry.source,
      tier: entry.definition.tier,
      favorite: u.favorite,
      usageCount: u.count,
      inputs: inputsOf(entry.definition).map((i) => i.name),
      error: undefined,
    }));
  const broken = snapshot.entries
    .filter((entry) => !isUsable(entry))
    .map((entry): PromptMenuItem => {
      const problem = entry.problems.find((p) => p.severity === 'error');
      return {
        id: entry.id,
        name: entry.name,
        description: '',
        source: entry.source,
        tier: 'auto',
        favorite: false,
        usageCount: 0,
        inputs: [],
        error: problem !== undefined ? `line ${problem.line}: ${problem.message}` : 'malformed',
      };
    });
  return [...runnable, ...broken];
}

/** The entry a `run` names: by id when it is still there and runnable, else the effective prompt of that name. */
export function findForRun(snapshot: LibrarySnapshot, argument: SlashRunArgument, byName: (name: string) => PromptEntry | undefined): PromptEntry | undefined {
  const byId = argument.promptId !== undefined ? snapshot.entries.find((e) => e.id === argument.promptId && e.shadowedBy === undefined) : undefined;
  return byId ?? byName(argument.name);
}

/**
 * Adds the text typed after the command to the filled prompt: after its instructions and before the attached
 * code (which stays at the end). Added after substitution, so `${…}` in it is sent as typed, never expanded.
 */
export function withExtraInstructions(prompt: ResolvedPrompt, extra: string | undefined): ResolvedPrompt {
  const text = extra?.trim() ?? '';
  if (text === '') {
    return prompt;
  }
  return { ...prompt, text: `${prompt.text.trimEnd()}\n\n${text}` };
}

/** The `/` command as the user could type it again: the prompt's name as a slug, then their extra words. */
export function slashDraft(name: string, extra: string | undefined): string {
  const slug = name.trim().toLowerCase().replace(/\s+/g, '-');
  return `/${slug}${extra !== undefined && extra.trim() !== '' ? ` ${extra.trim()}` : ''}`;
}
