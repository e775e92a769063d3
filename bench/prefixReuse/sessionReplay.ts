/**
 * Prompt-prefix reuse over the typing benchmark's session, for the three kinds of server cache Tiered meets
 * (SIMULATED: no editor, no model, no server; the prompts are built in-process by Tiered's own code):
 *
 * - llama-server `/infill`, requests pinned to one slot with `cache_prompt`: the slot reuses the longest
 *   common token prefix with the last prompt it read (warm-ups included). The prompt is tokenised as the
 *   server does it: `input_extra` files, then `<fim_prefix>` prefix, `<fim_suffix>` suffix, `<fim_middle>`,
 *   each piece tokenised on its own.
 * - Ollama (native FIM: the server's template around `prompt` + `suffix`, the repository context as
 *   commented blocks at the start of `prompt`): one sequence per loaded model, reusing the longest common
 *   prefix with the previous prompt. Tiered sends no warm-ups to Ollama.
 * - vLLM-style automatic prefix caching (raw prompt with Qwen's `<|repo_name|>`/`<|file_sep|>` layout):
 *   any earlier prompt's full 16-token blocks are reused (no eviction assumed), so the reuse is the longest
 *   common prefix with ANY earlier prompt, rounded down to a block.
 *
 * Tokens: tiktoken's cl100k_base (a real BPE tokenizer; the models' own tokenizers differ, so the shares
 * are what counts, not the counts). The workspace, the typed keys and the pauses are the typing
 * benchmark's (bench/typing/session.ts, same seed). Requests: one at every pause, one after every
 * hesitation longer than 400 ms while typing (what the cost-aware policy asks at), one after each accept;
 * after a pause the repository context may be chosen again in idle time and, on llama-server, the cache is
 * warmed; at the start, the extension warms the cache at file open with the cursor at the top of the file.
 * The language server's definitions are emulated from the workspace's files (declarations and property
 * lines of the names near the cursor). Accepted suggestions are not inserted (the typist's text goes on).
 *
 * Baselines, same session, same process: repository context chosen afresh for every request with the file
 * window's start moving line by line (a plain implementation), and no repository context at all.
 * Pure bench code: imports Tiered's modules, never `vscode`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { get_encoding } from 'tiktoken';
import { declarationAt, declarationsOf, chunkAround } from '../../src/completion/repoContext/chunks';
import { RepoContextEngine, toRepoContext } from '../../src/completion/repoContext/engine';
import type { RepoContextGatherer } from '../../src/completion/repoContext/engine';
import { resolveImport } from '../../src/completion/repoContext/imports';
import { selectRepoContext } from '../../src/completion/repoContext/select';
import { parseImports } from '../../src/completion/repoContext/imports';
import { symbolsNearCursor } from '../../src/completion/repoContext/definitions';
import type { SnippetCandidate } from '../../src/completion/repoContext/types';
import type { RepoContext, RepoContextQuery } from '../../src/completion/repoContextSource';
import { fimTemplates } from '../../src/completion/templates';
import { fimWindow } from '../../src/context/fimWindow';
import type { FimWindow } from '../../src/context/fimWindow';
import { approximateCounter } from '../../src/context/tokenCounter';
import { typingSession, writeWorkspace } from '../typing/session';

const counter = approximateCounter();
/** The completion pipeline's defaults (src/completion/pipeline.ts). */
const PREFIX_TOKENS = 1024;
const SUFFIX_TOKENS = 64;
const CONTEXT_TOKENS = Math.round((PREFIX_TOKENS + SUFFIX_TOKENS) / 4);
const APC_BLOCK = 16;
const HESITATION_MS = 400;

type Server = 'llamaServer' | 'ollama' | 'vllm';
type Variant = 'tiered' | 'baselinePerRequest' | 'baselineNoContext';

interface Prompt {
  readonly tokens: readonly number[];
  readonly warmUp: boolean;
}

/** Reuse figures of one prompt sequence. */
export interface ReuseFigures {
  readonly prompts: number;
  readonly warmUps: number;
  readonly promptTokens: number;
  /** Cached share of prompt tokens over every prompt (warm-ups included; the first prompt is cold). */
  readonly reusePct: number;
  /** The same over real requests only (what the typing benchmark's `kvReusePct` counts). */
  readonly requestsReusePct: number;
  /** Real requests that re-read more than half of their prompt. */
  readonly requestsMostlyReRead: number;
}

const encoder = get_encoding('cl100k_base');
const special = new Map<string, number>();
/** A token id of its own for a sentinel (negative: never a real id). */
function sentinel(name: string): number {
  let id = special.get(name);
  if (id === undefined) {
    id = -1 - special.size;
    special.set(name, id);
  }
  return id;
}

const encodeMemo = new Map<string, readonly number[]>();
function encode(text: string): readonly number[] {
  let tokens = encodeMemo.get(text);
  if (tokens === undefined) {
    tokens = Array.from(encoder.encode_ordinary(text));
    if (encodeMemo.size > 20_000) {
      encodeMemo.clear();
    }
    encodeMemo.set(text, tokens);
  }
  return tokens;
}

/** Tokenises raw prompt text, its sentinels as single tokens (as the model's tokenizer has them). */
function encodeWithSentinels(text: string, sentinels: readonly string[]): number[] {
  const pattern = new RegExp(sentinels.map((s) => s.replace(/[|[\]()^$*+?.{}\\]/g, '\\$&')).join('|'), 'g');
  const out: number[] = [];
  let at = 0;
  for (const m of text.matchAll(pattern)) {
    out.push(...encode(text.slice(at, m.index)), sentinel(m[0]));
    at = (m.index ?? 0) + m[0].length;
  }
  out.push(...encode(text.slice(at)));
  return out;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) {
    i++;
  }
  return i;
}

const qwenSentinels = ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|repo_name|>', '<|file_sep|>'];

/** The prompt's tokens as the server reads them. */
function promptTokens(server: Server, window: FimWindow, context: RepoContext | undefined): number[] {
  if (server === 'llamaServer') {
    // llama-server's format_infill: [repo_name "myproject\n"] [file_sep filename "\n" text]… file_sep "filename\n", then FIM.
    const out: number[] = [];
    const extra = context?.extraFiles ?? [];
    if (extra.length > 0) {
      out.push(sentinel('<|repo_name|>'), ...encode('myproject\n'));
      for (const f of extra) {
        out.push(sentinel('<|file_sep|>'), ...encode(`${f.filename}\n`), ...encode(f.text));
      }
      out.push(sentinel('<|file_sep|>'), ...encode('filename\n'));
    }
    out.push(sentinel('<|fim_prefix|>'), ...encode(window.prefix), sentinel('<|fim_suffix|>'), ...encode(window.suffix), sentinel('<|fim_middle|>'));
    return out;
  }
  if (server === 'ollama') {
    return encodeWithSentinels(fimTemplates.qwen.build((context?.layoutPrefix ?? '') + window.prefix, window.suffix), qwenSentinels);
  }
  return encodeWithSentinels((context?.rawHead ?? '') + fimTemplates.qwen.build((context?.layoutPrefix ?? '') + window.prefix, window.suffix), qwenSentinels);
}

/** How each server reuses its cache over a prompt sequence. */
function reuseOf(server: Server, prompts: readonly Prompt[]): ReuseFigures {
  let total = 0;
  let cached = 0;
  let realTotal = 0;
  let realCached = 0;
  let mostlyReRead = 0;
  prompts.forEach((p, i) => {
    let hit = 0;
    if (server === 'vllm') {
      for (let j = 0; j < i; j++) {
        hit = Math.max(hit, commonPrefix(prompts[j]?.tokens ?? [], p.tokens));
      }
      hit = Math.floor(hit / APC_BLOCK) * APC_BLOCK;
    } else if (i > 0) {
      hit = commonPrefix(prompts[i - 1]?.tokens ?? [], p.tokens);
    }
    // A server always reads at least the last token again.
    hit = Math.min(hit, p.tokens.length - 1);
    if (process.env.PREFIX_REUSE_DEBUG === server) {
      console.log(`${server} #${i}${p.warmUp ? ' warm-up' : ''}: ${hit}/${p.tokens.length} cached`);
    }
    total += p.tokens.length;
    cached += hit;
    if (!p.warmUp) {
      realTotal += p.tokens.length;
      realCached += hit;
      if (hit < p.tokens.length / 2) {
        mostlyReRead += 1;
      }
    }
  });
  const pct = (a: number, b: number): number => (b > 0 ? Math.round((1000 * a) / b) / 10 : 0);
  return {
    prompts: prompts.length,
    warmUps: prompts.filter((p) => p.warmUp).length,
    promptTokens: total,
    reusePct: pct(cached, total),
    requestsReusePct: pct(realCached, realTotal),
    requestsMostlyReRead: mostlyReRead,
  };
}

/** The file window with its start moving line by line (the plain way: as many whole lines as fit). */
function lineByLineWindow(text: string, offset: number): FimWindow {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let start = lineStart;
  let used = counter.count(text.slice(lineStart, offset));
  while (start > 0) {
    const prev = text.lastIndexOf('\n', start - 2) + 1;
    const c = counter.count(text.slice(prev, start));
    if (used + c > PREFIX_TOKENS) {
      break;
    }
    used += c;
    start = prev;
  }
  const w = fimWindow(text, offset, { prefixTokens: PREFIX_TOKENS, suffixTokens: SUFFIX_TOKENS }, counter);
  return { ...w, prefix: text.slice(start, offset), prefixStartOffset: start, prefixTruncated: start > 0 };
}

/** The workspace's other files, and a gatherer that reads them like the VS Code adapter. */
function workspaceGatherer(files: ReadonlyMap<string, string>, current: string): RepoContextGatherer {
  const others = [...files.keys()].filter((p) => p !== current);
  // Both other files were open in tabs before the typed one (the ring's "viewed" chunks).
  const ring: SnippetCandidate[] = others.map((p, i) => {
    const c = chunkAround(files.get(p) ?? '', 0);
    return { path: p, startLine: c.startLine, text: c.text, source: 'recent', recentKind: 'viewed', at: i };
  });
  return {
    fileOf: (uri, languageId) => ({ path: uri, languageId, repoName: 'workspace' }),
    importedFiles: (_uri, currentPath, languageId, imports) =>
      Promise.resolve(
        imports.flatMap((st) => {
          const target = resolveImport(st, currentPath, languageId).paths.find((p) => files.has(p));
          return target === undefined ? [] : [{ path: target, text: files.get(target) ?? '', names: st.names }];
        }),
      ),
    // The language server's answer for a name: its declaration, or the property line that declares it.
    definitions: (_uri, symbols) =>
      Promise.resolve(
        symbols.flatMap((sym) => {
          for (const p of others) {
            const text = files.get(p) ?? '';
            const found = declarationsOf(text, [sym.name]);
            if (found.length > 0) {
              return found.map((d): SnippetCandidate => ({ path: p, startLine: d.startLine, text: d.text, source: 'definition', symbol: sym.name }));
            }
            const line = text.split('\n').findIndex((l) => new RegExp(`^\\s*(?:readonly\\s+)?${sym.name.replace(/\$/g, '\\$')}\\??:`).test(l));
            if (line >= 0) {
              const d = declarationAt(text, line);
              return [{ path: p, startLine: d.startLine, text: d.text, source: 'definition', symbol: sym.name }];
            }
          }
          return [];
        }),
      ),
    recent: () => Promise.resolve(ring),
  };
}

/** A longer version of the file being typed, so that the file window must be cut and its start move. */
function lengthened(text: string, insertAt: number): string {
  const block = text.slice(text.indexOf('\n\n') + 2, insertAt);
  const copies = [1, 2, 3].map((n) => block.replace(/export (function|const|interface) (\w+)/g, (_m, kind: string, name: string) => `export ${kind} ${name}V${n}`));
  return text.slice(0, insertAt) + copies.join('') + text.slice(insertAt);
}

interface Replayed {
  readonly prompts: Record<Server, Prompt[]>;
  readonly windowMoves: number;
  readonly contextChanges: number;
}

async function replay(variant: Variant, files: ReadonlyMap<string, string>, file: string, startOffset: number, seed: number): Promise<Replayed> {
  const session = typingSession(seed);
  const gather = workspaceGatherer(files, file);
  const servers: Server[] = ['llamaServer', 'ollama', 'vllm'];
  const target: Record<Server, Pick<RepoContextQuery, 'backendKind' | 'promptKind'>> = {
    llamaServer: { backendKind: 'openai', promptKind: 'native' },
    ollama: { backendKind: 'ollama', promptKind: 'native' },
    vllm: { backendKind: 'openai', promptKind: 'raw' },
  };
  const engines = new Map(servers.map((s) => [s, new RepoContextEngine({ gather, counter, enabled: () => variant !== 'baselineNoContext', isExcluded: () => false })]));
  const prompts: Record<Server, Prompt[]> = { llamaServer: [], ollama: [], vllm: [] };
  let text = files.get(file) ?? '';
  let offset = startOffset;
  let lastStart = -1;
  let windowMoves = 0;
  let lastKey = '';
  let contextChanges = 0;
  const query = (server: Server): RepoContextQuery => ({
    documentUri: file,
    languageId: 'typescript',
    text,
    offset,
    model: 'qwen2.5-coder:1.5b',
    family: 'qwen',
    ...target[server],
    tokenBudget: CONTEXT_TOKENS,
    signal: new AbortController().signal,
  });
  const contextFor = async (server: Server): Promise<RepoContext | undefined> => {
    if (variant !== 'baselinePerRequest') {
      return (await engines.get(server)?.contextFor(query(server))) ?? undefined;
    }
    const q = query(server);
    const imports = parseImports(text, 'typescript');
    const chosen = selectRepoContext({
      currentPath: file,
      text,
      offset,
      definitions: await gather.definitions(file, symbolsNearCursor(text, offset), q.signal),
      importedFiles: await gather.importedFiles(file, file, 'typescript', imports, q.signal),
      recent: await gather.recent(q.signal),
      budgetTokens: Math.floor(CONTEXT_TOKENS * 0.85),
      counter,
    });
    return toRepoContext(chosen, { path: file, languageId: 'typescript', repoName: 'workspace' }, { family: 'qwen', ...target[server] }, counter);
  };
  const send = async (warmUp: boolean, servers_: readonly Server[] = servers): Promise<void> => {
    const window = variant === 'baselinePerRequest' ? lineByLineWindow(text, offset) : fimWindow(text, offset, { prefixTokens: PREFIX_TOKENS, suffixTokens: SUFFIX_TOKENS }, counter);
    if (!warmUp) {
      if (lastStart !== -1 && window.prefixStartOffset !== lastStart) {
        windowMoves += 1;
      }
      lastStart = window.prefixStartOffset;
    }
    for (const server of servers_) {
      const context = await contextFor(server);
      if (server === 'llamaServer' && !warmUp) {
        const key = context?.key ?? '';
        if (lastKey !== '' && key !== lastKey) {
          contextChanges += 1;
        }
        lastKey = key;
      }
      prompts[server].push({ tokens: promptTokens(server, window, context), warmUp });
    }
  };
  // The extension warms llama-server's cache when the file is opened, the cursor at the top.
  const typedAt = offset;
  offset = 0;
  await send(true, ['llamaServer']);
  offset = typedAt;
  for (const [i, key] of session.keys.entries()) {
    text = text.slice(0, offset) + key.char + text.slice(offset);
    offset += key.char.length;
    if (key.pause) {
      await send(false);
      if (key.acceptAtPause) {
        // The continuation after an accept (the accepted text itself is not inserted here).
        await send(false);
      }
      if (variant === 'tiered') {
        for (const server of servers) {
          const engine = engines.get(server);
          engine?.notify({ kind: 'pause', documentUri: file });
          const changed = (await engine?.refresh(query(server))) ?? false;
          if (changed && server === 'llamaServer') {
            await send(true, ['llamaServer']);
          }
        }
      }
    } else if (key.gapMs > HESITATION_MS && i > 0) {
      await send(false);
    }
  }
  return { prompts, windowMoves, contextChanges };
}

/** One workspace variant's figures, per variant and server. */
export type SessionReuse = Record<Variant, Record<Server, ReuseFigures> & { readonly windowMoves: number; readonly contextChanges: number }>;

/** Replays the typing session (as written, and with the typed file three times as long) for every variant. */
export async function sessionReplay(seed: number): Promise<Record<'typingBenchFile' | 'longFile', SessionReuse>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-prefix-session-'));
  try {
    writeWorkspace(dir);
    const session = typingSession(seed);
    const read = (p: string): string => fs.readFileSync(path.join(dir, p), 'utf8');
    const files = new Map<string, string>([
      ['src/models.ts', read('src/models.ts')],
      ['src/money.ts', read('src/money.ts')],
      [session.file, read(session.file)],
    ]);
    const original = files.get(session.file) ?? '';
    const startOffset = original.split('\n').slice(0, session.startLine - 1).join('\n').length + 1;
    const out: Partial<Record<'typingBenchFile' | 'longFile', SessionReuse>> = {};
    for (const shape of ['typingBenchFile', 'longFile'] as const) {
      const text = shape === 'typingBenchFile' ? original : lengthened(original, startOffset);
      const offset = shape === 'typingBenchFile' ? startOffset : startOffset + (text.length - original.length);
      const shaped = new Map(files).set(session.file, text);
      const figures: Partial<SessionReuse> = {};
      for (const variant of ['tiered', 'baselinePerRequest', 'baselineNoContext'] as const) {
        const r = await replay(variant, shaped, session.file, offset, seed);
        figures[variant] = {
          llamaServer: reuseOf('llamaServer', r.prompts.llamaServer),
          ollama: reuseOf('ollama', r.prompts.ollama),
          vllm: reuseOf('vllm', r.prompts.vllm),
          windowMoves: r.windowMoves,
          contextChanges: r.contextChanges,
        };
      }
      out[shape] = figures as SessionReuse;
    }
    return out as Record<'typingBenchFile' | 'longFile', SessionReuse>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
