/**
 * Looking definitions up while a language server may still be starting. Right after a folder opens, a language
 * server answers nothing, or answers with the import line of the current file (TypeScript before it has loaded
 * the project): neither is a definition. So lookups are repeated for a short, bounded time while the answers
 * look like a server that is starting, an import is never kept as a definition, and what could not be found is
 * said in the answer's Context note. Pure: no `vscode` import; the lookup and the clock come in as functions.
 */

/** One lookup's answer: a definition, the import line that brings the name in (not a definition), or nothing. */
export type LookupAnswer<D> = { readonly kind: 'definition'; readonly def: D } | { readonly kind: 'import' } | { readonly kind: 'none' };

/** Timing of {@link lookUpWithPatience}. */
export interface Patience {
  /** Total time to keep asking again (default 2500 ms). */
  readonly patienceMs?: number;
  /** Pause between rounds (default 400 ms). */
  readonly intervalMs?: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** What the lookups found, and how long they waited for a starting language server. */
export interface LookupResult<N, D> {
  readonly found: ReadonlyMap<N, D>;
  /** Names with no definition after the wait (imports count as none). */
  readonly missing: readonly N[];
  readonly rounds: number;
  readonly waitedMs: number;
}

/**
 * Looks every name up; while the answers look like a language server that is starting (no name found at all,
 * or some names answered only by an import line), asks again for the names without a definition, until
 * `patienceMs` has passed. A server that found some definitions and answered nothing for the others is ready:
 * no waiting then.
 */
export async function lookUpWithPatience<N, D>(names: readonly N[], lookup: (name: N) => Promise<LookupAnswer<D>>, patience: Patience): Promise<LookupResult<N, D>> {
  const patienceMs = patience.patienceMs ?? 2500;
  const intervalMs = patience.intervalMs ?? 400;
  const started = patience.now();
  const found = new Map<N, D>();
  let pending = [...names];
  let rounds = 0;
  while (pending.length > 0) {
    rounds += 1;
    const answers = await Promise.all(pending.map(async (name) => ({ name, answer: await lookup(name).catch((): LookupAnswer<D> => ({ kind: 'none' })) })));
    let imports = 0;
    for (const { name, answer } of answers) {
      if (answer.kind === 'definition') {
        found.set(name, answer.def);
      } else if (answer.kind === 'import') {
        imports += 1;
      }
    }
    pending = pending.filter((name) => !found.has(name));
    const starting = found.size === 0 || imports > 0;
    if (pending.length === 0 || !starting || patience.now() - started + intervalMs > patienceMs) {
      break;
    }
    await patience.sleep(intervalMs);
  }
  return { found, missing: pending, rounds, waitedMs: Math.max(0, patience.now() - started) };
}

/**
 * The Context note for definitions that could not be found, e.g. "Context: no definition was found for
 * `daysBetween` and `formatDuration` (the language server may still be starting): the answer may guess what
 * they do. Try again in a moment." Undefined when nothing is missing.
 */
export function missingDefinitionsNote(names: readonly string[]): string | undefined {
  if (names.length === 0) {
    return undefined;
  }
  const quoted = names.slice(0, 6).map((n) => `\`${n}\``);
  const more = names.length > 6 ? ` and ${names.length - 6} more` : '';
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')}${more === '' ? ` and ${quoted.at(-1)}` : `, ${quoted.at(-1)}${more}`}`;
  const they = names.length === 1 ? 'it does' : 'they do';
  return `Context: no definition was found for ${list} (the language server may still be starting, or it does not know them): the answer may guess what ${they}. Try again in a moment for a grounded answer.`;
}
