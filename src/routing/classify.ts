/**
 * The heuristic classifier: reads a request's text and code size and says which tier it needs, with a score,
 * a confidence and the signals it saw. No model call; deterministic. A small-model classifier for borderline
 * cases ({@link BorderlineClassifier}) is asked by callers, never here.
 * The vocabulary is in `classifierSignals.ts`, the text measurements in `textFeatures.ts`. Pure: no `vscode` import.
 */
import type { TaskKind, Tier } from '../settings/schema';
import {
  bugSignals,
  codeNouns,
  codeVerbs,
  definitionalMaxWords,
  definitionalPattern,
  hardCategories,
  languageContext,
  localErrorPattern,
  manyFilesPattern,
  notDefinitionalPattern,
  openEndedPattern,
  ownSystemPattern,
  quickStarters,
  traceHeaderPattern,
} from './classifierSignals';
import { countStackFrames, countWords, sampleEdges, splitFencedCode, sumSignals } from './textFeatures';
import type { RouteInput } from './types';

export { definitionalMaxWords } from './classifierSignals';
export { sampleHeadChars, sampleTailChars } from './textFeatures';

/** The features the classifier read, for tests, the routing log and a model-based classifier's prompt. */
export interface ClassifierFeatures {
  /** Words of prose (CJK characters count as about half a word each), code blocks excluded. */
  readonly words: number;
  /** Lines of code: the selection/file from the input, plus fenced code pasted in the text. */
  readonly codeLines: number;
  readonly fileCount: number;
  readonly languageId: string | undefined;
  readonly stackFrames: number;
  readonly hasStackTrace: boolean;
  readonly localError: boolean;
  /** A short "what is / what does X mean" question with no code and no system of the user's to reason about. */
  readonly definitional: boolean;
  /** Sum of hard-problem signals: ≥ {@link moeThreshold} means the moe tier. */
  readonly hardScore: number;
  /** Sum of code-work signals: ≥ {@link codeThreshold} means at least the code tier. */
  readonly codeScore: number;
  /** Labels of the hard signals seen, grouped as "category (label, label)". */
  readonly hardSignals: readonly string[];
  readonly codeSignals: readonly string[];
}

/** The classifier's verdict. */
export interface Classification {
  readonly tier: Tier;
  /** 0..1 difficulty: below 1/3 small, 1/3..2/3 code, above 2/3 moe. */
  readonly score: number;
  /** 0..1: how far the request is from the nearest tier boundary. */
  readonly confidence: number;
  /** The adjacent tier it nearly chose. */
  readonly runnerUp: Tier;
  /** Human-readable; never empty. */
  readonly reasons: readonly string[];
  readonly features: ClassifierFeatures;
}

/** Hard-signal total from which a request goes to the moe tier. */
export const moeThreshold = 2;
/** Code-signal total from which a request needs the code tier. */
export const codeThreshold = 1;
/** Code at least this long (lines) is code-tier work. */
export const codeTierMinLines = 15;
/** Code at least this long (lines) or these many files is moe-tier work. */
export const moeMinLines = 300;
export const moeMinChars = 12_000;
export const moeMinFiles = 4;
/** Below this confidence a decision is borderline (see {@link isBorderline}). */
export const borderlineConfidence = 0.6;

/**
 * A classifier asked only about borderline requests (see {@link isBorderline}): the small tier's model in the
 * extension (`smallModelClassifier.ts`, run by `adviseBorderline`), a simulated one in the router benchmark. Its
 * answer reaches the router as `RouteInput.classifierVerdict`. Resolves to undefined when it has no answer.
 */
export type BorderlineClassifier = (
  request: {
    readonly task: TaskKind;
    readonly text: string;
    readonly features: ClassifierFeatures;
    readonly heuristic: Tier;
    /** The adjacent tier the heuristic nearly chose. */
    readonly runnerUp?: Tier;
  },
  signal?: AbortSignal,
) => Promise<Tier | undefined>;

/** Whether a classification is unsure enough to ask a {@link BorderlineClassifier}. */
export function isBorderline(c: Classification): boolean {
  return c.confidence < borderlineConfidence;
}


const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Classify a request. Inline completion is always code-tier work (the router then picks a fast FIM model);
 * everything else is scored from its text, pasted code and the code it is about.
 */
export function classify(input: Pick<RouteInput, 'task' | 'text' | 'code'>): Classification {
  const { prose: fullProse, codeLines: fencedLines } = splitFencedCode(input.text);
  const words = countWords(fullProse);
  const codeLines = (input.code?.lines ?? 0) + fencedLines;
  const codeChars = (input.code?.chars ?? 0) + (fencedLines > 0 ? input.text.length - fullProse.length : 0);
  const fileCount = input.code?.fileCount ?? (fencedLines > 0 ? 1 : 0);
  // Signals are read from the start and the end only: a pasted megabyte of logs must not slow routing down.
  const prose = sampleEdges(fullProse);
  const text = sampleEdges(input.text);
  const stackFrames = countStackFrames(text);
  const hasStackTrace = stackFrames >= 1 || traceHeaderPattern.test(text);
  const localError = localErrorPattern.test(text);

  const features = {
    words,
    codeLines,
    fileCount,
    languageId: input.code?.languageId,
    stackFrames,
    hasStackTrace,
    localError,
    definitional:
      input.task !== 'review' &&
      codeLines === 0 &&
      !hasStackTrace &&
      !localError &&
      words <= definitionalMaxWords &&
      definitionalPattern.test(fullProse) &&
      !notDefinitionalPattern.test(fullProse) &&
      !ownSystemPattern.test(fullProse),
  };

  if (input.task === 'inlineCompletion') {
    return {
      tier: 'code',
      score: 0.5,
      confidence: 1,
      runnerUp: 'small',
      reasons: ['inline completion → code tier (fast fill-in-the-middle model)'],
      features: { ...features, hardScore: 0, codeScore: codeThreshold, hardSignals: [], codeSignals: ['inline completion'] },
    };
  }

  const reasons: string[] = [];
  // Hard signals: each category counts its strongest signal, plus a little for every further one.
  let hard = 0;
  const hardSignals: string[] = [];
  for (const cat of hardCategories) {
    const labels: string[] = [];
    let best = 0;
    let extra = 0;
    for (const sig of cat.signals) {
      if (sig.pattern.test(prose)) {
        labels.push(sig.label);
        if (sig.weight > best) {
          extra += best > 0 ? 0.5 : 0;
          best = sig.weight;
        } else {
          extra += 0.5;
        }
      }
    }
    if (labels.length > 0) {
      hard += best + Math.min(1, extra);
      hardSignals.push(`${cat.name} (${labels.join(', ')})`);
    }
  }
  if (hardSignals.length > 0) {
    reasons.push(`mentions ${hardSignals.join('; ')}`);
  }

  // Stack traces: a long one, a thread dump or a panic across goroutines is rarely a local fix.
  if (hasStackTrace) {
    const traceWeight = localError && stackFrames <= 2 ? 0.25 : stackFrames >= 3 || /goroutine|waiting to lock|thread dump|SIGSEGV/i.test(text) ? 1 : 0.5;
    hard += traceWeight;
    reasons.push(stackFrames > 0 ? `stack trace of ${stackFrames} frame${stackFrames === 1 ? '' : 's'}` : 'crash report or thread dump');
  }

  // Many files or a lot of code.
  const filesInText = manyFilesPattern.exec(prose);
  const namedFiles = filesInText !== null ? Number(filesInText[1]) : 0;
  if (fileCount >= moeMinFiles || namedFiles >= moeMinFiles) {
    hard += 2;
    reasons.push(`${Math.max(fileCount, namedFiles)} files involved → hard problem`);
  } else if (fileCount >= 2) {
    hard += 0.5;
    reasons.push(`${fileCount} files involved`);
  }
  if (codeLines >= moeMinLines || codeChars >= moeMinChars) {
    hard += 2;
    reasons.push(`code of ${codeLines} lines → too much for the code tier`);
  }

  // Long, detailed prose describes a hard problem more often than not; quick questions are short.
  if (words > 90) {
    hard += 1.5;
    reasons.push(`long question (${words} words)`);
  } else if (words > 45) {
    hard += 1;
    reasons.push(`detailed question (${words} words)`);
  } else if (words > 25) {
    hard += 0.5;
    reasons.push(`detailed question (${words} words)`);
  }
  // A situation in the user's own system ("our service…", "we use…"), and open-ended diagnostic questions.
  if (ownSystemPattern.test(prose)) {
    hard += 0.75;
    reasons.push('describes a situation in your own system');
  }
  if (openEndedPattern.test(prose)) {
    hard += 1;
    reasons.push('open-ended question (asks for a diagnosis or a recommendation)');
  }

  // Code work.
  const codeSignals: string[] = [];
  let codeScore = sumSignals(codeVerbs, prose, codeSignals) + sumSignals(codeNouns, prose, codeSignals) + sumSignals(bugSignals, prose, codeSignals);
  const asksForCode = codeSignals.some((l) => l === 'write' || l === 'change' || l === 'fix');
  if (asksForCode) {
    // A verb alone is weak ("write a commit message"); naming a language makes it code work.
    codeScore += sumSignals([languageContext], prose, codeSignals);
  }
  const howTo = /^\s*(how (do|can|to|should) i|how to|what(?:'s| is)|is there)\b/i.test(prose);
  if (howTo && codeLines === 0 && !localError && words <= 15) {
    // "How do I create a venv in Python?" is a lookup, not a code task.
    codeScore -= 0.4;
  }
  if (localError) {
    codeScore += 1;
    codeSignals.push('compiler or runtime error');
  }
  if (codeLines >= codeTierMinLines) {
    codeScore += 1;
    reasons.push(`code of ${codeLines} lines → code tier`);
  } else if (codeLines > 0) {
    codeScore += fencedLines > 0 ? 0.5 : 0.3;
  }
  if (input.task === 'review') {
    // A review needs care even for short code.
    codeScore += 1;
    codeSignals.push('review');
  }
  if (codeSignals.length > 0) {
    reasons.push(`asks for code work (${codeSignals.join(', ')})`);
  }

  const quick = quickStarters.test(prose) || words <= 12;

  let tier: Tier;
  let score: number;
  let confidence: number;
  let runnerUp: Tier;
  if (features.definitional) {
    // "What is a mutex?" asks for a definition, whatever the topic's difficulty: a quick question.
    tier = 'small';
    runnerUp = hard >= moeThreshold ? 'moe' : 'code';
    score = 0.2;
    confidence = 0.8;
    reasons.push(`short definitional question (${words} word${words === 1 ? '' : 's'}), no code or system of yours to reason about → small tier`);
  } else if (hard >= moeThreshold) {
    tier = 'moe';
    runnerUp = 'code';
    score = 2 / 3 + clamp01((hard - moeThreshold) / 6) / 3;
    confidence = 0.55 + clamp01((hard - moeThreshold) / 3) * 0.4;
    reasons.push(`hard problem (score ${round2(hard)} ≥ ${moeThreshold}) → moe tier`);
  } else if (codeScore >= codeThreshold || hard >= 1) {
    tier = 'code';
    // Which edge is nearer: the moe threshold above, or dropping to small below.
    const toMoe = moeThreshold - hard;
    const toSmall = hard >= 1 ? hard - 1 + Math.max(0, codeScore - codeThreshold) : codeScore - codeThreshold;
    runnerUp = toMoe < toSmall + 0.5 ? 'moe' : 'small';
    const margin = Math.min(toMoe, toSmall + 0.5);
    score = 1 / 3 + clamp01(hard / moeThreshold) / 3;
    confidence = 0.5 + clamp01(margin / 1.5) * 0.45;
    if (!reasons.some((r) => r.endsWith('→ code tier'))) {
      reasons.push(hard >= 1 && codeScore < codeThreshold ? 'moderately hard question → code tier' : 'code work → code tier');
    }
  } else {
    tier = 'small';
    runnerUp = 'code';
    score = clamp01(Math.max(hard, codeScore) / codeThreshold) / 3;
    const margin = codeThreshold - Math.max(codeScore, hard);
    confidence = 0.45 + clamp01(margin) * 0.4 + (quick ? 0.1 : 0);
    const kind = codeLines > 0 ? `short code (${codeLines} line${codeLines === 1 ? '' : 's'})` : 'no code';
    reasons.push(`${quick ? 'quick question' : 'short request'} (${words} word${words === 1 ? '' : 's'}), ${kind} → small tier`);
  }

  return {
    tier,
    score: round2(score),
    confidence: round2(Math.min(0.95, confidence)),
    runnerUp,
    reasons,
    features: { ...features, hardScore: round2(hard), codeScore: round2(codeScore), hardSignals, codeSignals },
  };
}
