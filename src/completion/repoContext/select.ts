/**
 * Choosing the repository context of a prompt: candidates from definitions of symbols used near the
 * cursor, from the files the current file imports and from the ring of recent chunks; sensitive files
 * dropped; ranked by relevance to the code around the cursor; near-duplicates dropped; fitted to a token
 * budget (a snippet that does not fit whole is cut to its first lines when enough of it fits).
 * Pure: no `vscode` import.
 */
import type { TokenCounter } from '../../context/tokenCounter';
import { declarationsOf, declaredNamesOf, maxChunkLines, splitIntoChunks } from './chunks';
import { memoByText } from './memo';
import { Bm25, cursorQuery, wordsOf } from './relevance';
import type { CursorQuery } from './relevance';
import { lineSetOf, setSimilarity } from './ring';
import type { ChosenSnippet, ChosenContext, SnippetCandidate } from './types';

/** A file the current one imports, with the names it imports from it. */
export interface ImportedFile {
  readonly path: string;
  readonly text: string;
  readonly names: readonly string[];
}

/** Everything {@link selectRepoContext} chooses from. */
export interface RepoContextInput {
  /** Workspace-relative path of the current file. */
  readonly currentPath: string;
  /** The current document and the cursor offset in it. */
  readonly text: string;
  readonly offset: number;
  /** Definitions the language server found for symbols near the cursor (the adapter cuts them with `declarationAt`). */
  readonly definitions: readonly SnippetCandidate[];
  readonly importedFiles: readonly ImportedFile[];
  /** The ring's chunks (`ChunkRing.candidates()`). */
  readonly recent: readonly SnippetCandidate[];
  readonly budgetTokens: number;
  readonly counter: TokenCounter;
  /** Sensitive files (issue 15's exclusions): never in a prompt. */
  readonly isExcluded?: (path: string) => boolean;
  /** Off: candidates in the order given (definitions, imports, ring newest first), for the benchmark's baseline. Default true. */
  readonly rank?: boolean;
}

/** The weights of the score; exposed for tests and tuning. */
export const selectionWeights = {
  /** Added when the snippet defines an identifier used near the cursor, times that identifier's weight. */
  definesUsed: 3,
  /** A definition the language server resolved outranks an import chunk that happens to declare the same name. */
  definitionSource: 0.5,
  /** Added for a chunk of an imported file that declares a name the current file imports. */
  importedName: 0.3,
  recent: { edited: 0.4, copied: 0.6, viewed: 0.1 },
  /** A snippet needs at least this score to be worth its tokens. */
  minScore: 0.2,
  /** A snippet cut to fit keeps at least this many lines. */
  minCutLines: 4,
  /** One snippet takes at most this share of the budget, so one long class does not crowd out the rest. */
  maxShare: 0.6,
} as const;

/** The default budget: a quarter of the whole FIM prompt, i.e. a third of the prefix and suffix budgets. */
export function defaultRepoContextBudget(prefixTokens: number, suffixTokens: number): number {
  return Math.max(0, Math.round((prefixTokens + suffixTokens) / 3));
}

interface Scored {
  readonly candidate: SnippetCandidate;
  readonly score: number;
  readonly why: string;
}

/** Chooses and orders the snippets of one prompt. */
export function selectRepoContext(input: RepoContextInput): ChosenContext {
  const excluded = input.isExcluded ?? ((): boolean => false);
  const importedNames = new Map<string, Set<string>>();
  for (const file of input.importedFiles) {
    importedNames.set(file.path, new Set(file.names));
  }
  const candidates: SnippetCandidate[] = [
    ...input.definitions,
    ...input.importedFiles.flatMap(importCandidates),
    ...[...input.recent].sort((a, b) => (b.at ?? 0) - (a.at ?? 0)),
  ].filter((c) => c.path !== input.currentPath && c.text.trim() !== '' && !excluded(c.path));
  if (candidates.length === 0 || input.budgetTokens <= 0) {
    return finish([], input.budgetTokens);
  }
  const query = cursorQuery(input.text, input.offset);
  const scored = input.rank === false ? candidates.map((candidate): Scored => ({ candidate, score: 1, why: whyUnranked(candidate) })) : absorbContained(rankCandidates(candidates, query, importedNames));
  return finish(fit(scored, input.budgetTokens, input.counter), input.budgetTokens);
}

/**
 * Candidates from an imported file: the declaration of each name imported from it; a file imported whole
 * (`import * as ns`, `import './x'`, Python `import x`), or whose names it does not declare itself
 * (re-exports), offers its chunks instead.
 */
export function importCandidates(file: ImportedFile): SnippetCandidate[] {
  // Per file text, per path and names: the same imports are read again at every pause.
  const byImport = importMemo(file.text);
  const key = `${file.path}\u0000${file.names.join(',')}`;
  let candidates = byImport.get(key);
  if (candidates === undefined) {
    candidates = computeImportCandidates(file);
    byImport.set(key, candidates);
  }
  return candidates;
}

const importMemo = memoByText(64, (): Map<string, SnippetCandidate[]> => new Map());

function computeImportCandidates(file: ImportedFile): SnippetCandidate[] {
  const declarations = declarationsOf(file.text, [...new Set(file.names)]);
  if (declarations.length > 0) {
    return declarations.map((d): SnippetCandidate => ({ path: file.path, startLine: d.startLine, text: d.text, source: 'import', symbol: d.name }));
  }
  return splitIntoChunks(file.text, maxChunkLines).map((chunk): SnippetCandidate => ({ path: file.path, startLine: chunk.startLine, text: chunk.text, source: 'import' }));
}

function whyUnranked(c: SnippetCandidate): string {
  return c.source === 'definition' ? `defines ${c.symbol ?? 'a symbol'}` : c.source === 'import' ? 'imported by this file' : `recently ${c.recentKind ?? 'viewed'}`;
}

function rankCandidates(candidates: readonly SnippetCandidate[], query: CursorQuery, importedNames: ReadonlyMap<string, ReadonlySet<string>>): Scored[] {
  const w = selectionWeights;
  const bm25 = new Bm25(candidates.map((c) => wordsOf(c.text)));
  const scored = candidates.map((candidate, index): Scored => {
    const reasons: string[] = [];
    const lexical = bm25.score(index, query);
    let score = lexical.score / Math.max(1, query.words.size) * 4;
    // Which identifiers near the cursor it defines: the language server's symbol, or the names a chunk declares.
    const defines = candidate.symbol !== undefined ? [candidate.symbol] : namesOf(candidate.text);
    let best: { name: string; weight: number } | undefined;
    for (const name of defines) {
      const weight = query.identifiers.get(name);
      if (weight !== undefined && (best === undefined || weight > best.weight)) {
        best = { name, weight };
      }
    }
    if (best !== undefined) {
      score += w.definesUsed * best.weight;
      reasons.push(`defines ${best.name}, used near the cursor`);
    }
    if (candidate.source === 'definition') {
      score += w.definitionSource;
      if (best === undefined) {
        reasons.push(`definition of ${candidate.symbol ?? 'a symbol'}`);
      }
    } else if (candidate.source === 'import') {
      const names = importedNames.get(candidate.path);
      const declaresImported = names !== undefined && defines.some((d) => names.has(d));
      if (declaresImported) {
        score += w.importedName;
      }
      if (best === undefined) {
        reasons.push(declaresImported ? 'declares what this file imports' : 'from a file this file imports');
      }
    } else {
      const kind = candidate.recentKind ?? 'viewed';
      score += w.recent[kind];
      reasons.push(`recently ${kind}`);
    }
    if (lexical.shared > 0) {
      reasons.push(`${lexical.shared} shared identifier${lexical.shared === 1 ? '' : 's'}`);
    }
    return { candidate, score: lexical.shared === 0 && best === undefined ? 0 : score, why: reasons.join(', ') };
  });
  return scored
    .filter((s) => s.score >= w.minScore)
    .sort((a, b) => b.score - a.score || (b.candidate.at ?? 0) - (a.candidate.at ?? 0) || (a.candidate.path < b.candidate.path ? -1 : a.candidate.path > b.candidate.path ? 1 : a.candidate.startLine - b.candidate.startLine));
}

/** Lines of a candidate, as a 0-based inclusive range. */
function rangeOf(c: SnippetCandidate): { readonly start: number; readonly end: number } {
  return { start: c.startLine, end: c.startLine + linesOfText(c.text).length - 1 };
}

/**
 * A definition the language server pointed at inside a larger declaration that is a candidate too (a
 * property's line inside its interface, a method inside its class, from an import) is folded into that
 * declaration: the declaration takes the better score and the reason. The prompt then carries whole
 * declarations, and the choice stays the same as the cursor moves from one member to the next (a new
 * single-line snippet per member would change the prompt's start at every pause). Ranked order is kept.
 */
function absorbContained(scored: readonly Scored[]): Scored[] {
  const ranges = scored.map((s) => rangeOf(s.candidate));
  const absorbed = new Set<number>();
  const boosted = new Map<number, Scored>();
  scored.forEach((inner, i) => {
    if (inner.candidate.source !== 'definition') {
      return;
    }
    const r = ranges[i];
    let best = -1;
    scored.forEach((outer, j) => {
      const o = ranges[j];
      if (j === i || absorbed.has(j) || r === undefined || o === undefined || outer.candidate.source === 'recent' || outer.candidate.path !== inner.candidate.path) {
        return;
      }
      if (o.start <= r.start && r.end <= o.end && o.end - o.start > r.end - r.start && (best === -1 || o.end - o.start < (ranges[best]?.end ?? 0) - (ranges[best]?.start ?? 0))) {
        best = j;
      }
    });
    const outer = best === -1 ? undefined : (boosted.get(best) ?? scored[best]);
    if (outer !== undefined) {
      absorbed.add(i);
      boosted.set(best, inner.score > outer.score ? { candidate: outer.candidate, score: inner.score, why: inner.why } : outer);
    }
  });
  if (absorbed.size === 0) {
    return [...scored];
  }
  return scored
    .flatMap((s, i) => (absorbed.has(i) ? [] : [boosted.get(i) ?? s]))
    .sort((a, b) => b.score - a.score);
}

// Token counts of snippet texts, per counter.
const countCaches = new WeakMap<TokenCounter, (text: string) => number>();

function countOf(counter: TokenCounter, text: string): number {
  let count = countCaches.get(counter);
  if (count === undefined) {
    count = memoByText(1024, (t) => counter.count(t));
    countCaches.set(counter, count);
  }
  return count(text);
}

// Names declared by ring chunks and whole-file chunks.
const namesOf = declaredNamesOf;

// Lines of candidate texts: the same candidates come back at every choice.
const linesOfText = memoByText(2048, (text): readonly string[] => text.split('\n'));

function overlaps(a: { path: string; startLine: number; endLine: number }, b: { path: string; startLine: number; endLine: number }): boolean {
  if (a.path !== b.path) {
    return false;
  }
  const shared = Math.min(a.endLine, b.endLine) - Math.max(a.startLine, b.startLine) + 1;
  return shared > 0 && shared * 2 > Math.min(a.endLine - a.startLine + 1, b.endLine - b.startLine + 1);
}

// Greedy by score: whole when it fits, cut to its first lines when enough of it does, else skipped.
function fit(scored: readonly Scored[], budget: number, counter: TokenCounter): ChosenSnippet[] {
  const chosen: ChosenSnippet[] = [];
  const chosenSets: ReadonlySet<string>[] = [];
  let left = budget;
  const maxOne = Math.max(1, Math.floor(budget * selectionWeights.maxShare));
  for (const { candidate, score, why } of scored) {
    if (left <= 0) {
      break;
    }
    const lines = linesOfText(candidate.text);
    const whole = { path: candidate.path, startLine: candidate.startLine, endLine: candidate.startLine + lines.length - 1 };
    if (chosen.some((c) => overlaps(c, whole))) {
      continue;
    }
    const set = chosen.length === 0 ? undefined : lineSetOf(candidate.text);
    if (set !== undefined && chosenSets.some((c) => setSimilarity(c, set) > 0.5)) {
      continue;
    }
    const allowed = Math.min(left, maxOne);
    let text = candidate.text;
    let tokens = countOf(counter, text);
    let cut = lines.length;
    if (tokens > allowed) {
      // The most lines whose counts add up within the allowance (one count per line), then checked whole.
      let sum = 0;
      cut = 0;
      for (let next = counter.count(`${lines[0] ?? ''}\n`); cut < lines.length && sum + next <= allowed; next = counter.count(`${lines[cut] ?? ''}\n`)) {
        sum += next;
        cut += 1;
      }
      while (cut > 0 && counter.count(lines.slice(0, cut).join('\n')) > allowed) {
        cut -= 1;
      }
      if (cut < Math.min(selectionWeights.minCutLines, lines.length)) {
        continue;
      }
      text = lines.slice(0, cut).join('\n');
      tokens = counter.count(text);
    }
    chosen.push({ path: candidate.path, startLine: candidate.startLine, endLine: candidate.startLine + cut - 1, text, source: candidate.source, tokens, score: Math.round(score * 1000) / 1000, why: cut < lines.length ? `${why} (first ${cut} of ${lines.length} lines)` : why });
    chosenSets.push(set ?? lineSetOf(candidate.text));
    left -= tokens;
  }
  return chosen;
}

function finish(chosen: readonly ChosenSnippet[], budgetTokens: number): ChosenContext {
  // Least relevant first: the best snippet ends up next to the file's own code.
  const snippets = [...chosen].reverse();
  return { snippets, tokens: snippets.reduce((sum, s) => sum + s.tokens, 0), budgetTokens, key: contextKey(snippets) };
}

/** A short hash of the snippets' paths, lines and text (FNV-1a). */
export function contextKey(snippets: readonly ChosenSnippet[]): string {
  if (snippets.length === 0) {
    return '';
  }
  let h = 0x811c9dc5;
  for (const s of snippets) {
    const part = `${s.path}\u0000${s.startLine}\u0000${s.text}\u0001`;
    for (let i = 0; i < part.length; i++) {
      h ^= part.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return `${snippets.length}:${h.toString(16)}`;
}
