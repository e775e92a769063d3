/**
 * Ranking of context sources. Adapters gather candidates (the selection and its enclosing symbol, the
 * cursor window, the current file, other open files, files the current one imports, recently edited
 * ranges, diagnostics near the selection); this pure function scores them so the layout keeps the best.
 *
 * score = source prior + lexical overlap with the question + recency + import relation + language match,
 * plus proximity for diagnostics. Every term is explained in `reasons`. Deterministic: ties by id.
 *
 * Pure: no `vscode` import.
 */
import type { ContextItem, ContextItemKind } from './items';

/** Where a candidate comes from. */
export type ContextSourceKind = 'selection' | 'enclosingSymbol' | 'cursorWindow' | 'currentFile' | 'openFile' | 'importedFile' | 'recentEdit' | 'diagnostic';

/** One piece of context an adapter found. */
export interface ContextCandidate {
  /** Unique and stable across requests (e.g. `open:src/a.ts`), the final tie-breaker. */
  readonly id: string;
  readonly source: ContextSourceKind;
  /** Workspace-relative path of the file the text comes from. */
  readonly path: string;
  readonly text: string;
  readonly languageId?: string;
  /** 0-based line in the file where `text` starts (ranges, symbols, diagnostics). */
  readonly startLine?: number;
  /** 0-based last line in the file covered by `text`. */
  readonly endLine?: number;
  /** When it was last edited or visited, on the same clock as {@link RankQuery.now} (ms). */
  readonly lastTouched?: number;
  /** The current file imports this file. */
  readonly importedByCurrent?: boolean;
  /** Diagnostics: severity. */
  readonly severity?: 'error' | 'warning' | 'information' | 'hint';
  /** 0-based line of `text` that matters most (passed on to the layout for shrinking). */
  readonly focusLine?: number;
}

/** What the context is for. */
export interface RankQuery {
  /** The question or instruction (may be empty for completions). */
  readonly text: string;
  /** Workspace-relative path of the current file. */
  readonly currentFile: string;
  readonly languageId: string;
  /** The selection in the current file (0-based lines), if any. */
  readonly selection?: { readonly startLine: number; readonly endLine: number; readonly text?: string };
  /** Now, on the clock of {@link ContextCandidate.lastTouched} (ms). Without it, recency is ignored. */
  readonly now?: number;
}

/** A scored candidate. */
export interface RankedCandidate {
  readonly candidate: ContextCandidate;
  readonly score: number;
  /** One phrase per term that contributed, e.g. "shares 4 of 6 identifiers with the question". */
  readonly reasons: readonly string[];
}

/** The weights of the score; exposed so tests and tuning can see them. */
export const rankWeights = {
  prior: {
    selection: 1.0,
    enclosingSymbol: 0.85,
    cursorWindow: 0.8,
    diagnostic: 0.55,
    recentEdit: 0.5,
    importedFile: 0.45,
    currentFile: 0.4,
    openFile: 0.25,
  } satisfies Record<ContextSourceKind, number>,
  lexical: 0.8,
  recency: 0.3,
  /** Minutes for the recency bonus to fall to 1/e. */
  recencyMinutes: 10,
  imported: 0.25,
  sameLanguage: 0.05,
  otherLanguage: -0.1,
  diagnosticNear: 0.3,
  diagnosticFar: -0.3,
  diagnosticNearLines: 10,
  errorSeverity: 0.1,
  /** Very large candidates will be trimmed anyway; a slight penalty lets focused snippets win ties. */
  hugeLines: 2000,
  hugePenalty: -0.1,
} as const;

// Words too common in code and questions to say anything about relevance.
const stopWords = new Set(
  (
    'the and for with this that from what why how does not are was were has have had can could should would will ' +
    'into onto then else when while return returns const let var function class def self import export default ' +
    'public private protected static void int string bool boolean true false null undefined none new type interface ' +
    'async await yield try catch finally throw throws raise pass break continue case switch struct impl pub use mod ' +
    'package func println print console log get set value values item items data result error err args arg param ' +
    'code file line lines please explain fix make'
  ).split(' '),
);

const maxScanChars = 50_000;

/** Lower-case identifier words of a text: whole identifiers and their camelCase/snake_case parts (≥ 3 letters). */
export function identifierWords(text: string): Set<string> {
  const words = new Set<string>();
  const source = text.length > maxScanChars ? text.slice(0, maxScanChars) : text;
  const pattern = /[A-Za-z_$][A-Za-z0-9_$]*/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(source)) !== null) {
    const ident = match[0];
    const add = (w: string): void => {
      const lower = w.toLowerCase();
      if (lower.length >= 3 && !stopWords.has(lower)) {
        words.add(lower);
      }
    };
    add(ident);
    // camelCase, PascalCase, snake_case and kebab parts.
    const parts = ident.split(/_+|\$+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/);
    if (parts.length > 1) {
      for (const p of parts) {
        add(p);
      }
    }
  }
  return words;
}

/**
 * How many of the (lower-case) query words occur in `text` at the start of a word or camelCase hump
 * ("config" matches `parseConfig` and `config_file`, not `reconfigure`). Native searches over the
 * lower-cased text, not a tokenisation: 200 candidates of 5 KB rank in a few milliseconds.
 */
export function sharedWordCount(queryWords: ReadonlySet<string>, text: string): number {
  const source = text.length > maxScanChars ? text.slice(0, maxScanChars) : text;
  const lower = source.toLowerCase();
  // Lower-casing can change the length for a few non-ASCII letters; then positions no longer line up
  // and any occurrence counts.
  const aligned = lower.length === source.length;
  let shared = 0;
  for (const word of queryWords) {
    let i = lower.indexOf(word);
    while (i !== -1) {
      const prev = i > 0 ? source.charCodeAt(i - 1) : 32;
      const first = source.charCodeAt(i);
      const afterLetterOrDigit = (prev >= 97 && prev <= 122) || (prev >= 65 && prev <= 90) || (prev >= 48 && prev <= 57);
      const hump = first >= 65 && first <= 90 && !(prev >= 65 && prev <= 90);
      if (!aligned || !afterLetterOrDigit || hump) {
        shared += 1;
        break;
      }
      i = lower.indexOf(word, i + 1);
    }
  }
  return shared;
}

/** Lines of a text, counting no further than `limit`. */
function lineSpan(text: string, limit: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && n <= limit; i = text.indexOf('\n', i + 1)) {
    n += 1;
  }
  return n;
}

function round2(x: number): string {
  return x.toFixed(2);
}

/** Scores and sorts candidates, best first (ties by id). */
export function rankSources(candidates: readonly ContextCandidate[], query: RankQuery): RankedCandidate[] {
  const w = rankWeights;
  const queryWords = identifierWords(`${query.text}\n${query.selection?.text ?? ''}`);
  const ranked = candidates.map((candidate): RankedCandidate => {
    const reasons: string[] = [];
    let score = w.prior[candidate.source];
    reasons.push(`${candidate.source} (prior ${round2(score)})`);

    if (queryWords.size > 0 && candidate.source !== 'selection') {
      const shared = sharedWordCount(queryWords, candidate.text);
      if (shared > 0) {
        // Coverage of the question's words: a large file is not penalised for its size,
        // a file that defines what the question names scores high.
        const bonus = (w.lexical * shared) / queryWords.size;
        score += bonus;
        reasons.push(`shares ${shared} of ${queryWords.size} identifiers with the question (+${round2(bonus)})`);
      }
    }

    if (query.now !== undefined && candidate.lastTouched !== undefined && Number.isFinite(candidate.lastTouched)) {
      const ageMinutes = Math.max(0, query.now - candidate.lastTouched) / 60_000;
      const bonus = w.recency * Math.exp(-ageMinutes / w.recencyMinutes);
      if (bonus >= 0.01) {
        score += bonus;
        reasons.push(`touched ${ageMinutes < 1 ? 'under a minute' : `${Math.round(ageMinutes)} min`} ago (+${round2(bonus)})`);
      }
    }

    if (candidate.importedByCurrent === true || candidate.source === 'importedFile') {
      score += w.imported;
      reasons.push(`imported by ${query.currentFile} (+${round2(w.imported)})`);
    }

    if (candidate.languageId !== undefined && query.languageId !== '') {
      if (candidate.languageId === query.languageId) {
        score += w.sameLanguage;
      } else {
        score += w.otherLanguage;
        reasons.push(`other language ${candidate.languageId} (${round2(w.otherLanguage)})`);
      }
    }

    if (candidate.source === 'diagnostic') {
      const sel = query.selection;
      const line = candidate.startLine;
      if (candidate.path === query.currentFile && sel !== undefined && line !== undefined) {
        const distance = line < sel.startLine ? sel.startLine - line : line > sel.endLine ? line - sel.endLine : 0;
        if (distance <= w.diagnosticNearLines) {
          score += w.diagnosticNear;
          reasons.push(distance === 0 ? `diagnostic inside the selection (+${round2(w.diagnosticNear)})` : `diagnostic ${distance} lines from the selection (+${round2(w.diagnosticNear)})`);
        } else {
          score += w.diagnosticFar;
          reasons.push(`diagnostic ${distance} lines from the selection (${round2(w.diagnosticFar)})`);
        }
      } else if (candidate.path !== query.currentFile) {
        score += w.diagnosticFar;
        reasons.push(`diagnostic in another file (${round2(w.diagnosticFar)})`);
      }
      if (candidate.severity === 'error') {
        score += w.errorSeverity;
        reasons.push(`an error (+${round2(w.errorSeverity)})`);
      }
    }

    if (lineSpan(candidate.text, w.hugeLines) > w.hugeLines) {
      score += w.hugePenalty;
      reasons.push(`very large (${round2(w.hugePenalty)})`);
    }
    return { candidate, score: Math.round(score * 1e6) / 1e6, reasons };
  });
  return ranked.sort((a, b) => b.score - a.score || (a.candidate.id < b.candidate.id ? -1 : a.candidate.id > b.candidate.id ? 1 : 0));
}

/** Which layout kind a source becomes: the selection and cursor window go to the end edge, the enclosing symbol is pinned at the start. */
export function itemKindFor(source: ContextSourceKind): ContextItemKind {
  switch (source) {
    case 'selection':
      return 'selection';
    case 'cursorWindow':
      return 'cursor';
    case 'enclosingSymbol':
      return 'pinned';
    default:
      return 'supporting';
  }
}

/** Turns ranked candidates into layout items (rank = score; titles carry the path and line range). */
export function toContextItems(ranked: readonly RankedCandidate[]): ContextItem[] {
  return ranked.map(({ candidate, score }) => {
    const range =
      candidate.startLine !== undefined ? ` (lines ${candidate.startLine + 1}–${(candidate.endLine ?? candidate.startLine) + 1})` : '';
    const title = candidate.source === 'diagnostic' ? `Diagnostic in ${candidate.path}${range}` : `${candidate.path}${range}`;
    return {
      kind: itemKindFor(candidate.source),
      id: candidate.id,
      title,
      text: candidate.text,
      ...(candidate.languageId === undefined ? {} : { language: candidate.languageId }),
      rank: score,
      ...(candidate.focusLine === undefined ? {} : { focusLine: candidate.focusLine }),
    };
  });
}
