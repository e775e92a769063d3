/**
 * The heuristic classifier: reads a request's text and code size and says which tier it needs, with a score,
 * a confidence and the signals it saw. No model call; deterministic. An optional small-model classifier for
 * borderline cases can be plugged in by a caller through {@link BorderlineClassifier} (off by default).
 * Pure: no `vscode` import.
 */
import type { TaskKind, Tier } from '../settings/schema';
import type { RouteInput } from './types';

/** A keyword signal: matched in the request text. */
interface Signal {
  readonly label: string;
  readonly pattern: RegExp;
  readonly weight: number;
}

/** A category of hard-problem signals, named in reasons ("mentions concurrency (deadlock)"). */
interface HardCategory {
  readonly name: string;
  readonly signals: readonly Signal[];
}

const s = (label: string, pattern: RegExp, weight: number): Signal => ({ label, pattern, weight });

// Hard-problem vocabulary, in English and the languages users most often write in.
// Weights: 2 = enough on its own for the moe tier, 1–1.5 = moderate, needs another signal.
const hardCategories: readonly HardCategory[] = [
  {
    name: 'architecture/design',
    signals: [
      s('architecture', /\barchitect(ure|ural|ing)?\b|architektur|arquitectura|arquitetura|アーキテクチャ|架构|архитектур/i, 2),
      s('design', /\b(re)?design(s|ed|ing)?\b|how would you (build|structure|approach)|conception|diseñ|projetar|entwurf|entwerfen|設計|设计|проектир/i, 1.5),
      s('trade-offs', /trade-?offs?|pros and cons|vor- und nachteile|avantages et inconvénients|ventajas y desventajas|トレードオフ|权衡|利弊/i, 1),
      s('microservices', /micro-?services?|マイクロサービス|微服务|микросервис/i, 1.5),
      s('monolith', /\bmonolith/i, 1),
      s('event sourcing/CQRS', /event sourcing|\bcqrs\b|\boutbox\b|\bsaga\b|two-phase commit|2フェーズ|2pc\b/i, 1.5),
      s('service boundaries', /(service|module|domain) (boundaries|layer)|bounded context/i, 1),
      s('plugin system', /plugin system|extension system|type-level/i, 1),
      s('system design', /\b(design|architect)\w*\s+(a|an|the|our)?\s*([\w-]+\s+){0,2}(system|platform|pipeline)\b|system design|спроектир\w*\s+систем|设计.{0,6}系统|システム.{0,6}設計/i, 2),
      s('technology choice', /should (we|i) (use|pick|choose|go with) [^?]+ or |which (database|framework|stack|broker|queue) (should|would)|consider(ing)? (the )?(latency|cost|operations|maintenance|isolation|team)/i, 1),
      s('multi-tenancy', /multi-?tenan|tenant isolation/i, 1),
      s('without breaking', /without breaking|sans casser|sin romper|sem quebrar|不破坏|壊さず/i, 1),
      s('legacy migration', /without downtime|zero[- ]downtime|\blegacy\b|strangler|nobody (fully )?understands/i, 1),
      s('migration strategy', /migrat(e|ion) (incrementally|strategy|plan)|plan (a|the) (refactor|migration|rewrite)|backward(s)? compatib/i, 1),
      s('consistency', /consisten(t|cy)|一致性|整合性|согласованност|konsistenz|coh[ée]rence/i, 1),
      s('conflict resolution', /conflict resolution|konfliktaufl|\bcrdts?\b|operational transformation/i, 1),
      s('transactions across services', /transactions?|トランザクション|事务|транзакц/i, 0.5),
    ],
  },
  {
    name: 'distributed systems',
    signals: [
      s('distributed', /distributed|verteilt|distribu[ée]|distribuid|分散|分布式|распределённ|распределенн/i, 2),
      s('partitions/replication', /network partition|\bsharding\b|\breplicat(ion|e)\b|\bconsensus\b|\bgossip\b|fail-?over|split[- ]brain|high availability/i, 1),
      s('delivery guarantees', /at[- ]least[- ]once|exactly[- ]once|garant[ií]as de entrega|genau einmal|exactement une fois|exactamente una vez|恰好一次|ровно один раз|一度だけ|redeliver|erneut zugestellt/i, 1.5),
      s('several instances', /\b(different|multiple|several|across|between) (pods|nodes|replicas|instances|servers|regions)\b|\d+ (pods|nodes|instances|replicas)\b/i, 1),
      s('message loss', /fault[- ]toleran|without losing|lose messages|message loss|не терять|при падении|ausfallsicher|sans perdre|sin perder|不丢失|失わない/i, 1),
      s('queues', /\bqueues?\b|message broker|\bkafka\b|rabbitmq|\bnats\b|\bsqs\b|pub\/?sub|очеред|warteschlange|file d'attente|\bcolas?\b|队列|キュー/i, 0.5),
      s('at scale', /\bat scale\b|\d+\s?(tb|pb)\b|millions? (of )?(messages|requests|users|rows)|millones de|\d+\s?m rows|\d+ ?million/i, 1),
    ],
  },
  {
    name: 'concurrency',
    signals: [
      s('race condition', /race condition|\bdata race\b|\brace\b|競合状態|竞态|竞争条件|гонк/i, 2),
      s('deadlock', /dead-?lock|livelock|デッドロック|死锁|взаимоблокир|verklemmung|interblocage|interbloqueo/i, 2),
      s('thread safety', /thread[- ]safe(ty)?|thread dump|\bmutex(es)?\b|lock-free|\batomic(s|ally)?\b|memory order/i, 2),
      s('threads', /\bthreads?\b|thread ?pool|スレッド|线程|поток/i, 1.5),
      s('concurrency', /concurren(t|cy)|nebenläufig|parall[eè]l|concurrence|concurrencia|concorrência|並行|并发|многопоточ|конкурентн/i, 2),
      s('event loop blocked', /event loop|boucle d'événements|se bloque|blocks? the (loop|thread)|goroutines? (stuck|leak|卡)|卡在/i, 1),
    ],
  },
  {
    name: 'hard debugging',
    signals: [
      s('memory growth', /(memory|heap) (usage |use |footprint )?(grows|keeps growing|keeps increasing|increases|climbs|balloons)|メモリ使用量|内存(持续)?(增长|上涨)|память раст|speicher(verbrauch)? (wächst|steigt)|la mémoire (augmente|grimpe)/i, 2),
      s('memory leak', /memory leak|\bleak(s|ing)?\b|fuite m[ée]moire|speicherleck|fuga de memoria|メモリリーク|内存泄漏|утечк/i, 2),
      s('out of memory', /\boom\b|oom-?kill|out of memory/i, 1),
      s('intermittent', /intermittent|\bflaky\b|occasionally|sporadic|\bsometimes\b|\b1 in \d+\b|once a (day|week)|parfois|a veces|manchmal|às vezes|偶尔|時々|たまに|иногда/i, 1),
      s('not reproducible', /can'?t reproduce|cannot reproduce|not reproducible|only (happens )?in production|never locally|only in prod|under load|in production/i, 1.5),
      s('root cause', /root cause|diagnos|investigat|track (it )?down|find the (real|root)|排查|原因|調査|根本原因/i, 1),
      s('undefined behaviour', /undefined behavio(u)?r|strict aliasing|\bub\b|-O[23]\b|optimi[sz]er/i, 2),
      s('timeouts', /time-?outs?\b|timing out|超时|タイムアウト|таймаут/i, 0.5),
      s('heisenbug', /heisenbug|corrupt(ed|ion)|another user's data/i, 1.5),
    ],
  },
  {
    name: 'performance',
    signals: [
      s('performance', /performan(ce|t)|rendimiento|desempenho|leistung|性能|パフォーマンス|производительн/i, 1),
      s('slow', /\bslow(s|er|ly|down)?\b|takes? \d+ ?(s|seconds|minutes)|latenc(y|ies)|\bp9[59]\b|throughput|bottleneck|throttl|gc pauses?|\blangsam\b|\blent(e|s)?\b|\blento\b/i, 1),
      s('scaling', /\bscal(e|es|ing|able|ability)\b|skalierbar|évolutivité|escalabilidad|escalar|スケール|扩展/i, 1),
      s('garbage collection/tuning', /\bgc\b|garbage collect|\btun(e|ing)\b|调优|チューニング|停顿/i, 1),
      s('profiling', /profil(e|er|ing)|flame ?graph|explain analyze|heap snapshot|pprof/i, 1),
      s('indexing/partitioning', /partition(ing)? strateg|indexing strategy|query plan|sequential scan/i, 1),
    ],
  },
  {
    name: 'security',
    signals: [
      s('security', /secur(ity|e)\b|sécurité|seguridad|segurança|sicherheit|セキュリティ|安全|безопасност/i, 2),
      s('vulnerabilities', /vulnerab|exploit|injection|\bxss\b|\bcsrf\b|samesite|privilege escalation/i, 2),
      s('threat model', /threat( model)?s?|attack (vectors?|surface)|trust boundar/i, 2),
      s('audit', /\baudit\b/i, 1),
      s('cryptography', /encrypt|decrypt|cipher|crypto|\baes\b|\brsa\b|\bhmac\b|key rotation|rotate (the )?keys|static iv|password hashing/i, 1.5),
      s('is it safe', /\b(is it|is this) (safe|secure)\b/i, 0.5),
    ],
  },
  {
    name: 'algorithms',
    signals: [
      s('algorithm design', /\balgorithm|np-hard|heuristic|optimal|minimi[sz](e|ing)|maximi[sz](e|ing)|complexit(y|é)|アルゴリズム|算法/i, 1),
      s('scheduling/constraints', /\bschedul(e|ing)\b.*(dependencies|deadlines|machines)|constraint solv/i, 1),
    ],
  },
  {
    name: 'deep why',
    signals: [
      s('asks why', /\bwhy (does|do|is|are|did|would|might)\b|warum|pourquoi|por qué|por que|为什么|なぜ|почему/i, 0.75),
      s('asks for an approach', /what (approach|architecture|strategy) would you|how should (we|i) (decide|design|structure|restructure|approach)|which order/i, 1),
    ],
  },
];

// Code-work vocabulary: verbs that ask for code, and the code things they act on.
const codeVerbs: readonly Signal[] = [
  s('write', /\b(write|implement|create|generate|build|add|make|i need|need|give me|show me)\b|schreib|erstell|implementier|écri[st]|écrire|crée|créer|escrib[ea]|implementa|crea\b|escreva|crie|写|实现|生成|書いて|書く|実装|作って|напиши|реализу|создай/i, 0.6),
  s('change', /\bturn (this|it|the|that)\b.*\binto\b|\b(refactor|rewrite|convert|port|translate|rename|extract|migrate|optimi[sz]e|simplify|clean up|modify|update|change)\b|umschreib|konvertier|refactoris|convierte|refator|重构|转换|リファクタ|変換|перепиши/i, 0.6),
  s('fix', /\b(fix|debug|repair|resolve)\b|how do i fix|behebe?|corrige|arregla|conserta|修复|修正|直して|исправ/i, 0.6),
];

// Programming languages and code technologies named in the text: context that makes a request code work.
const languageContext = s(
  'names a language or technology',
  /\b(typescript|javascript|python|golang|rust|java|kotlin|swift|c\+\+|c#|ruby|php|scala|haskell|elixir|bash|powershell|sql|postgres(ql)?|mysql|html|css|scss|react|vue|angular|svelte|django|flask|fastapi|spring|rails|laravel|node(\.js)?|deno|docker(file)?|kubernetes|terraform|graphql|regex)\b|\bin go\b/i,
  0.4,
);

const codeNouns: readonly Signal[] = [
  s(
    'code artefact',
    /\b(function|method|class|script|tests?|unit tests?|query|component|handler|endpoint|controller|schema|regex|module|hook|program|cli|parser|dao|entity|interface|struct|enum|api client|middleware|migration|dockerfile|makefile|workflow|docstrings?|type (guard|definitions?)|data class|code)\b|funktion|fonction|función|função|klasse|consulta|skript|函数|类|脚本|测试|缓存|代码|接口|関数|クラス|スクリプト|テスト|функци|класс|скрипт/i,
    0.6,
  ),
];

const bugSignals: readonly Signal[] = [
  s('bug report', /\b(bug|crash(es|ed)?|segfault|exception|error|fails?|failing|broken|doesn'?t work|not working|wrong (result|output)|still wrong|returns? (wrong|duplicates|null|undefined|nan|none))\b|fehler|erreur|falla|erro\b|报错|错误|エラー|ошибк/i, 0.6),
];

// Compiler and interpreter errors with a local cause: code-tier work.
const localErrorPattern =
  /error\[E\d{4}\]|error TS\d+|is not assignable to type|cannot find (name|symbol|module)|TypeError:|NameError:|AttributeError:|KeyError:|IndexError:|ValueError:|SyntaxError:|undefined reference to|NullPointerException|ReferenceError:|compile error|does not compile/i;

// Frames of a stack trace, thread dump or panic in many runtimes.
const stackFramePatterns: readonly RegExp[] = [
  /^\s+at [\w$.<>[\]/]+ ?\(.*:\d+(:\d+)?\)\s*$/gm, // JS / Java / C#
  /^\s+at [\w$.<>[\]]+\([\w$]+\.(java|kt|scala):\d+\)/gm,
  /^\s*File ".*", line \d+/gm, // Python
  /^\s*\/?[\w./-]+\.go:\d+ \+0x[0-9a-f]+/gm, // Go
  /^\s*#\d+\s+0x[0-9a-f]+ in /gm, // gdb / sanitizers
  /^\s*\d+: [\w:<>]+\s*$/gm, // Rust backtrace
];
const traceHeaderPattern =
  /Traceback \(most recent call last\)|^panic:|goroutine \d+ \[|Exception in thread|\bSIGSEGV\b|segmentation (fault|violation)|thread dump|waiting to lock|stack backtrace:|Unhandled (promise )?rejection/im;

const quickStarters =
  /^\s*(what(?:'s| is| are| does)|how (do|can|to|should) i\b|how to\b|which\b|is there\b|is it\b|can i\b|when (do|should)|what'?s the difference|difference between|where is|shortcut)|\bvs\.?\b|\bequivalent\b|区别|违い|違い|怎么|如何|どうやって|とは|wie\b|comment\b|cómo|como\b|как\b|quel|cuál/i;

// A question asking what a term means: "what is a mutex?", "what does CQRS stand for", "was ist ein Deadlock?",
// "什么是死锁", "デッドロックとは". Its topic can be as hard as it likes; the answer is a paragraph.
const definitionalPattern =
  /^\s*(?:what(?:'s|’s|s| is| are)\s|what does\s.+\s(?:mean|stand for)\b|define\s|meaning of\s|was (?:ist|sind|bedeutet|hei(?:ß|ss)t)\s|qu['’]est-ce (?:que|qu['’])|que (?:veut dire|signifie)\s|¿?\s*qu[ée] (?:es|son|significa)\s|o que (?:é|são|significa)\s|что (?:такое|значит|означает)\s|什么是|什么叫)|(?:とは|是什么|是什麼|って何)/i;
// What turns a definitional opening into something else: a thing to look at ("this", "here"), a situation
// ("when it…", "our…"), or a choice or diagnosis to make.
const notDefinitionalPattern =
  /\b(this|that|these|those|here|it|my|our|we|best|right way|better|should|wrong|causing|cause|happen\w*|going on|when|if|after|why|how)\b|\?.*\S.*\?/i;
/** Longest definitional question (words) that still counts as quick. */
export const definitionalMaxWords = 12;

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
 * Hook for an optional small-model classifier, asked only about borderline requests. Off by default:
 * nothing in the core calls it. A caller that enables it runs it when {@link isBorderline} is true and passes the
 * answer to the router as `RouteInput.classifierVerdict`.
 */
export type BorderlineClassifier = (
  request: { readonly task: TaskKind; readonly text: string; readonly features: ClassifierFeatures; readonly heuristic: Tier },
  signal?: AbortSignal,
) => Promise<Tier | undefined>;

/** Whether a classification is unsure enough to ask a {@link BorderlineClassifier}. */
export function isBorderline(c: Classification): boolean {
  return c.confidence < borderlineConfidence;
}

function splitFencedCode(text: string): { prose: string; codeLines: number } {
  if (!text.includes('```')) {
    return { prose: text, codeLines: 0 };
  }
  let codeLines = 0;
  const prose = text.replace(/```[^\n]*\n([\s\S]*?)(```|$)/g, (_m, body: string) => {
    codeLines += body.split('\n').filter((l) => l.trim() !== '').length;
    return ' ';
  });
  return { prose, codeLines };
}

/** Longest text the keyword signals read: the first {@link sampleHeadChars} and the last {@link sampleTailChars}. */
export const sampleHeadChars = 16_000;
export const sampleTailChars = 4_000;

function sampleEdges(text: string): string {
  if (text.length <= sampleHeadChars + sampleTailChars) {
    return text;
  }
  return `${text.slice(0, sampleHeadChars)}\n${text.slice(-sampleTailChars)}`;
}

function isCjk(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af);
}

function isSeparator(c: number): boolean {
  // ASCII whitespace and controls, no-break space, CJK and full-width punctuation.
  return c <= 32 || c === 0xa0 || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xffef);
}

function isAlphanumeric(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && !(c >= 0x2000 && c <= 0x2bff));
}

// One pass over the characters: a megabyte of text costs a few milliseconds.
function countWords(prose: string): number {
  let words = 0;
  let cjk = 0;
  let wordHasAlphanumeric = false;
  for (let i = 0; i < prose.length; i++) {
    const c = prose.charCodeAt(i);
    if (isCjk(c) || isSeparator(c)) {
      if (isCjk(c)) {
        cjk++;
      }
      if (wordHasAlphanumeric) {
        words++;
      }
      wordHasAlphanumeric = false;
    } else if (isAlphanumeric(c)) {
      wordHasAlphanumeric = true;
    }
  }
  if (wordHasAlphanumeric) {
    words++;
  }
  return words + Math.round(cjk / 2);
}

function countStackFrames(text: string): number {
  let frames = 0;
  for (const p of stackFramePatterns) {
    frames += text.match(p)?.length ?? 0;
  }
  return frames;
}

function sumSignals(signals: readonly Signal[], text: string, seen: string[]): number {
  let total = 0;
  for (const sig of signals) {
    if (sig.pattern.test(text)) {
      total += sig.weight;
      seen.push(sig.label);
    }
  }
  return total;
}

const ownSystemPattern =
  /\b(our|we|we're|we've|we are|my team|unser\w*|wir|notre|nos|nous|nuestr[oa]s?|nosotros|nosso|nossa|nós)\b.{0,80}\b(service|services|api|server|servers|cluster|database|db|primary|pods?|app|application|applica\w+|system|systems|team|teams|engineers|users|customers|production|prod|backend|pipeline|repos|servidor|datenbank|dienst|équipes?|serveur)\b|我们的|私たち|弊社|наш\w*\s+(сервис|систем|сервер|приложен)/i;
const openEndedPattern =
  /what('s| is) going (wrong|on)|where would you (look|start)|how (do|would|should|can|could) we\b|what would you (do|recommend|suggest)|what could (cause|explain)|what might cause|how would you (approach|handle|solve|tackle)|what are (the )?(options|risks)|how do i (find|track down|figure out)|wie stellen wir|comment (pouvons|devons)-nous|¿?c[oó]mo (podemos|deber[ií]amos)/i;

// Numbers of files or components named in the text: "9 controllers", "across 12 services".
const manyFilesPattern = /\b(\d{1,3})\s+(files|modules|controllers|services|packages|repositories|repos|classes|components|microservices|instances)\b/i;

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
