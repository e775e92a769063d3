/**
 * The heuristic classifier's vocabulary: keyword signals with their weights (hard-problem categories, code work,
 * bug reports) and the patterns for stack traces, compiler errors, definitional questions and the user's own system.
 * Tuned on the labeled set's dev split (test/fixtures/routing/labeledRequests.json). Pure: no `vscode` import.
 */

/** A keyword signal: matched in the request text. */
export interface Signal {
  readonly label: string;
  readonly pattern: RegExp;
  readonly weight: number;
}

/** A category of hard-problem signals, named in reasons ("mentions concurrency (deadlock)"). */
export interface HardCategory {
  readonly name: string;
  readonly signals: readonly Signal[];
}

const s = (label: string, pattern: RegExp, weight: number): Signal => ({ label, pattern, weight });

// Hard-problem vocabulary, in English and the languages users most often write in.
// Weights: 2 = enough on its own for the moe tier, 1–1.5 = moderate, needs another signal.
export const hardCategories: readonly HardCategory[] = [
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
export const codeVerbs: readonly Signal[] = [
  s('write', /\b(write|implement|create|generate|build|add|make|i need|need|give me|show me)\b|schreib|erstell|implementier|écri[st]|écrire|crée|créer|escrib[ea]|implementa|crea\b|escreva|crie|写|实现|生成|書いて|書く|実装|作って|напиши|реализу|создай/i, 0.6),
  s('change', /\bturn (this|it|the|that)\b.*\binto\b|\b(refactor|rewrite|convert|port|translate|rename|extract|migrate|optimi[sz]e|simplify|clean up|modify|update|change)\b|umschreib|konvertier|refactoris|convierte|refator|重构|转换|リファクタ|変換|перепиши/i, 0.6),
  s('fix', /\b(fix|debug|repair|resolve)\b|how do i fix|behebe?|corrige|arregla|conserta|修复|修正|直して|исправ/i, 0.6),
];

// Programming languages and code technologies named in the text: context that makes a request code work.
export const languageContext = s(
  'names a language or technology',
  /\b(typescript|javascript|python|golang|rust|java|kotlin|swift|c\+\+|c#|ruby|php|scala|haskell|elixir|bash|powershell|sql|postgres(ql)?|mysql|html|css|scss|react|vue|angular|svelte|django|flask|fastapi|spring|rails|laravel|node(\.js)?|deno|docker(file)?|kubernetes|terraform|graphql|regex)\b|\bin go\b/i,
  0.4,
);

export const codeNouns: readonly Signal[] = [
  s(
    'code artefact',
    /\b(function|method|class|script|tests?|unit tests?|query|component|handler|endpoint|controller|schema|regex|module|hook|program|cli|parser|dao|entity|interface|struct|enum|api client|middleware|migration|dockerfile|makefile|workflow|docstrings?|type (guard|definitions?)|data class|code)\b|funktion|fonction|función|função|klasse|consulta|skript|函数|类|脚本|测试|缓存|代码|接口|関数|クラス|スクリプト|テスト|функци|класс|скрипт/i,
    0.6,
  ),
];

export const bugSignals: readonly Signal[] = [
  s('bug report', /\b(bug|crash(es|ed)?|segfault|exception|error|fails?|failing|broken|doesn'?t work|not working|wrong (result|output)|still wrong|returns? (wrong|duplicates|null|undefined|nan|none))\b|fehler|erreur|falla|erro\b|报错|错误|エラー|ошибк/i, 0.6),
];

// Compiler and interpreter errors with a local cause: code-tier work.
export const localErrorPattern =
  /error\[E\d{4}\]|error TS\d+|is not assignable to type|cannot find (name|symbol|module)|TypeError:|NameError:|AttributeError:|KeyError:|IndexError:|ValueError:|SyntaxError:|undefined reference to|NullPointerException|ReferenceError:|compile error|does not compile/i;

// Frames of a stack trace, thread dump or panic in many runtimes.
export const stackFramePatterns: readonly RegExp[] = [
  /^\s+at [\w$.<>[\]/]+ ?\(.*:\d+(:\d+)?\)\s*$/gm, // JS / Java / C#
  /^\s+at [\w$.<>[\]]+\([\w$]+\.(java|kt|scala):\d+\)/gm,
  /^\s*File ".*", line \d+/gm, // Python
  /^\s*\/?[\w./-]+\.go:\d+ \+0x[0-9a-f]+/gm, // Go
  /^\s*#\d+\s+0x[0-9a-f]+ in /gm, // gdb / sanitizers
  /^\s*\d+: [\w:<>]+\s*$/gm, // Rust backtrace
];
export const traceHeaderPattern =
  /Traceback \(most recent call last\)|^panic:|goroutine \d+ \[|Exception in thread|\bSIGSEGV\b|segmentation (fault|violation)|thread dump|waiting to lock|stack backtrace:|Unhandled (promise )?rejection/im;

export const quickStarters =
  /^\s*(what(?:'s| is| are| does)|how (do|can|to|should) i\b|how to\b|which\b|is there\b|is it\b|can i\b|when (do|should)|what'?s the difference|difference between|where is|shortcut)|\bvs\.?\b|\bequivalent\b|区别|违い|違い|怎么|如何|どうやって|とは|wie\b|comment\b|cómo|como\b|как\b|quel|cuál/i;

// A question asking what a term means: "what is a mutex?", "what does CQRS stand for", "was ist ein Deadlock?",
// "什么是死锁", "デッドロックとは". Its topic can be as hard as it likes; the answer is a paragraph.
export const definitionalPattern =
  /^\s*(?:what(?:'s|’s|s| is| are)\s|what does\s.+\s(?:mean|stand for)\b|define\s|meaning of\s|was (?:ist|sind|bedeutet|hei(?:ß|ss)t)\s|qu['’]est-ce (?:que|qu['’])|que (?:veut dire|signifie)\s|¿?\s*qu[ée] (?:es|son|significa)\s|o que (?:é|são|significa)\s|что (?:такое|значит|означает)\s|什么是|什么叫)|(?:とは|是什么|是什麼|って何)/i;
// What turns a definitional opening into something else: a thing to look at ("this", "here"), a situation
// ("when it…", "our…"), or a choice or diagnosis to make.
export const notDefinitionalPattern =
  /\b(this|that|these|those|here|it|my|our|we|best|right way|better|should|wrong|causing|cause|happen\w*|going on|when|if|after|why|how)\b|\?.*\S.*\?/i;
/** Longest definitional question (words) that still counts as quick. */
export const definitionalMaxWords = 12;

export const ownSystemPattern =
  /\b(our|we|we're|we've|we are|my team|unser\w*|wir|notre|nos|nous|nuestr[oa]s?|nosotros|nosso|nossa|nós)\b.{0,80}\b(service|services|api|server|servers|cluster|database|db|primary|pods?|app|application|applica\w+|system|systems|team|teams|engineers|users|customers|production|prod|backend|pipeline|repos|servidor|datenbank|dienst|équipes?|serveur)\b|我们的|私たち|弊社|наш\w*\s+(сервис|систем|сервер|приложен)/i;
export const openEndedPattern =
  /what('s| is) going (wrong|on)|where would you (look|start)|how (do|would|should|can|could) we\b|what would you (do|recommend|suggest)|what could (cause|explain)|what might cause|how would you (approach|handle|solve|tackle)|what are (the )?(options|risks)|how do i (find|track down|figure out)|wie stellen wir|comment (pouvons|devons)-nous|¿?c[oó]mo (podemos|deber[ií]amos)/i;

// Numbers of files or components named in the text: "9 controllers", "across 12 services".
export const manyFilesPattern = /\b(\d{1,3})\s+(files|modules|controllers|services|packages|repositories|repos|classes|components|microservices|instances)\b/i;
