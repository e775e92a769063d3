// Issue 16: against llama-server's own token count, 7 of 38 chat requests had a num_ctx below the prompt's tokens.
// Here the chat's prompt pipeline (assembleChatPrompt + computeBudget) sizes ~50 chat requests for a model whose
// tokenizer differs from the estimate (the tiny SentencePiece-style vocabulary: ~1.3–1.5× cl100k on code), and
// each num_ctx is checked against the server's own count of the rendered prompt (/apply-template + /tokenize).
// The old sizing (raw estimate, no calibration) is measured on the same requests in the same run.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTieredError } from '../../src/backend/errors';
import { OpenAiBackend } from '../../src/backend/openAiBackend';
import type { ChatMessage, ModelInfo, RequestMetrics } from '../../src/backend/types';
import { assembleChatPrompt } from '../../src/chat/promptAssembly';
import type { ChatContextItem } from '../../src/chat/promptAssembly';
import type { ChatHistoryMessage } from '../../src/chat/chatTypes';
import { computeBudget } from '../../src/context/budget';
import { TokenCalibration } from '../../src/context/calibration';
import { PromptSizer } from '../../src/context/promptSizer';
import { approximateCounter } from '../../src/context/tokenCounter';
import type { TokenCounter } from '../../src/context/tokenCounter';
import { seededRandom } from '../doubles/seededRandom';
import { realEnv } from './realEnv';
import { postJson, tokenize } from './serverProbe';
import { retryingFetch } from './socketRetry';

const repo = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(repo, file), 'utf8');

/** Source files of this repository of several kinds (code, Markdown, JSON, CSS), for context and pasted code. */
const files = ['src/backend/openAiBackend.ts', 'src/routing/router.ts', 'README.md', 'package.json', 'src/webview/app/chat.css', 'src/context/layout.ts', 'CHANGELOG.md', 'src/chat/chatController.ts'];

const questions = [
  'What does this do?',
  'Why does this return undefined when the list is empty? Walk me through it step by step.',
  'Can you refactor this to avoid the nested loops, and explain the trade-offs?',
  'Is there a race condition here when two requests arrive at once?',
  'Écris une explication en français de cette fonction, avec les cas limites (entrées vides, négatives, très grandes).',
  'Write unit tests for the edge cases: empty input, one element, duplicates, and a very long list.',
  'How would you make this faster for inputs of a million items?',
  'Summarise the design in three bullet points.',
];

interface Request {
  readonly thread: ChatHistoryMessage[];
  readonly context: ChatContextItem[];
  /** tiered.context.maxContextTokens (0: the model's own window). */
  readonly cap: number;
}

/** Lines `from`..`from+count` of a file. */
function slice(file: string, from: number, count: number): string {
  const lines = read(file).split('\n');
  const start = Math.min(from, Math.max(0, lines.length - count));
  return lines.slice(start, start + count).join('\n');
}

/** Deterministic conversations: follow-ups share their start with the previous request, as chats do. */
function requests(n: number): Request[] {
  const rand = seededRandom(16);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const out: Request[] = [];
  let thread: ChatHistoryMessage[] = [];
  let context: ChatContextItem[] = [];
  let cap = 0;
  while (out.length < n) {
    if (thread.length === 0 || rand() < 0.25) {
      // A new conversation, with a selection and its file, a file only, or nothing.
      thread = [];
      const file = pick(files);
      const at = Math.floor(rand() * 400);
      const kind = rand();
      const selection: ChatContextItem = { id: 'selection', kind: 'selection', label: `${file}:${at + 1}-${at + 30}`, languageId: 'typescript', text: slice(file, at, 30) };
      const whole: ChatContextItem = { id: 'file', kind: 'file', label: file, languageId: 'typescript', text: slice(file, 0, 80 + Math.floor(rand() * 300)) };
      context = kind < 0.45 ? [selection, whole] : kind < 0.75 ? [whole] : [];
      cap = pick([0, 0, 2048, 1500, 3000]);
    } else {
      // The previous answer, then a follow-up (sometimes with code pasted in).
      const answer = `${pick(questions).length > 40 ? 'Here is how it works.' : 'Short answer:'}\n\n\`\`\`ts\n${slice(pick(files), Math.floor(rand() * 300), 5 + Math.floor(rand() * 40))}\n\`\`\`\n\nThe key point is the order of the checks.`;
      thread.push({ id: `a${out.length}`, parentId: thread.at(-1)?.id ?? null, role: 'assistant', content: answer, createdAt: out.length, status: 'complete' });
    }
    const pasted = rand() < 0.3 ? `\n\n\`\`\`\n${slice(pick(files), Math.floor(rand() * 300), 10 + Math.floor(rand() * 30))}\n\`\`\`` : '';
    thread.push({ id: `u${out.length}`, parentId: thread.at(-1)?.id ?? null, role: 'user', content: `${pick(questions)}${pasted}`, createdAt: out.length, status: 'complete' });
    out.push({ thread: [...thread], context: [...context], cap });
  }
  return out;
}

/** What the chat sends for a request with a given counter (the chat controller's sizing, see chatController.answer). */
function sized(request: Request, counter: TokenCounter, contextLength: number): { messages: readonly ChatMessage[]; numCtx: number } {
  const roughNeed = counter.count(request.thread.map((m) => m.content).join('\n') + request.context.map((c) => c.text).join('\n'));
  const budget = computeBudget({ contextLength, maxContextSetting: request.cap, answerReserve: 512, neededTokens: roughNeed + 200 });
  const prompt = assembleChatPrompt({ thread: request.thread, context: request.context, promptBudget: budget.promptBudget, counter });
  return { messages: prompt.messages, numCtx: budget.numCtx };
}

/** The server's own count of the prompt as it will run it: the chat template applied, then tokenized, plus BOS. */
async function serverCount(baseUrl: string, messages: readonly ChatMessage[]): Promise<number> {
  const { json } = await postJson(`${baseUrl}/apply-template`, { messages });
  const rendered = (json as { prompt: string }).prompt;
  return (await tokenize(baseUrl, rendered, true)).length + 1;
}

/** The server's figures for running the prompt; undefined when it refused it as longer than its context. */
async function chatMetrics(backend: OpenAiBackend, model: string, messages: readonly ChatMessage[]): Promise<RequestMetrics | undefined> {
  try {
    for await (const ev of backend.chat({ model, messages, numPredict: 1, temperature: 0 })) {
      if (ev.type === 'done') {
        return ev.result.metrics;
      }
    }
  } catch (error) {
    // llama-server refuses a prompt longer than its slot; Ollama would have cut its start silently.
    if (isTieredError(error, 'contextOverflow')) {
      return undefined;
    }
    throw error;
  }
  throw new Error('no done event');
}

function pct(covered: number, total: number): string {
  return `${covered}/${total} (${((100 * covered) / total).toFixed(1)} %)`;
}

suite('real engine: num_ctx holds the prompt, by the server\'s own count', () => {
  test('chat requests: num_ctx ≥ the server\'s count in ≥ 99 % (learning from whole-prompt counts), vs the old sizing', async function () {
    this.timeout(900_000);
    const env = realEnv();
    const server = env.small;
    const backend = new OpenAiBackend({ id: 'small', baseUrl: server.baseUrl, timeoutMs: 120_000, fetch: retryingFetch });
    const [info] = await backend.listModels();
    assert.ok(info !== undefined);
    const model: ModelInfo = info;
    const contextLength = server.slotContext;
    const raw = approximateCounter();
    const all = requests(50);

    // The sizing as it is now: llama-server's /tokenize for an uncalibrated model, then whole-prompt counts.
    const withTokenize = new PromptSizer(new TokenCalibration(undefined), raw);
    // As with Ollama (no /tokenize): learning only from what the server evaluated (llama-server's prompt_n
    // leaves the cached prefix out, like Ollama's prompt_eval_count), under the coverage rules.
    const likeOllama = new PromptSizer(new TokenCalibration(undefined), raw);
    // The old learning rule fed the same evaluated counts (the ±50 % outlier filter only), for comparison.
    const oldRule = new TokenCalibration(undefined);

    let before = 0;
    let after = 0;
    let ollama = 0;
    let oldLearning = 0;
    const misses: string[] = [];
    for (const [i, request] of all.entries()) {
      const who = { name: model.name, family: model.family };
      // Before: the chat sized with the raw estimate (no calibration at all).
      const old = sized(request, raw, contextLength);
      const oldCount = await serverCount(server.baseUrl, old.messages);
      before += old.numCtx >= oldCount ? 1 : 0;

      // Before, with the old calibration rule learning from evaluated counts (the "did not catch up").
      const oldFactor = oldRule.factorFor(model.name, model.family);
      const oldCal = sized(request, { count: (t) => Math.ceil(raw.count(t) * oldFactor) }, contextLength);
      const oldCalCount = await serverCount(server.baseUrl, oldCal.messages);
      oldLearning += oldCal.numCtx >= oldCalCount ? 1 : 0;
      const oldCalMetrics = await chatMetrics(backend, model.name, oldCal.messages);
      if (oldCalMetrics !== undefined) {
        oldRule.observe(model.name, model.family, raw.count(oldCal.messages.map((m) => m.content).join('\n')) + 4 * oldCal.messages.length, oldCalMetrics.promptTokens - oldCalMetrics.cachedPromptTokens);
      }

      // After, llama-server: an exact measurement while uncalibrated, then whole-prompt counts from each answer.
      const sample = [...request.thread.map((m) => m.content), ...request.context.map((c) => c.text)].join('\n');
      await withTokenize.measureIfUncalibrated(who, sample, (t) => backend.countTokens(model.name, t));
      const now = sized(request, withTokenize.counterFor(who), contextLength);
      const count = await serverCount(server.baseUrl, now.messages);
      if (now.numCtx >= count) {
        after += 1;
      } else {
        misses.push(`#${i}: num_ctx ${now.numCtx} < ${count}`);
      }
      const metrics = await chatMetrics(backend, model.name, now.messages);
      if (metrics !== undefined) {
        assert.equal(metrics.promptTokens, count, 'the server ran the prompt we counted');
        withTokenize.observe(who, now.messages, metrics, 'whole');
      }

      // After, Ollama-like: no /tokenize, evaluated counts only.
      const o = sized(request, likeOllama.counterFor(who), contextLength);
      const oCount = await serverCount(server.baseUrl, o.messages);
      ollama += o.numCtx >= oCount ? 1 : 0;
      const oMetrics = await chatMetrics(backend, model.name, o.messages);
      if (oMetrics !== undefined) {
        likeOllama.observe(who, o.messages, { promptTokens: oMetrics.promptTokens - oMetrics.cachedPromptTokens, cachedPromptTokens: 0 }, 'evaluated');
      }
    }
    const n = all.length;
    console.log(
      `      num_ctx ≥ the server's count over ${n} chat requests (model ${model.name}, family "${model.family}"): ` +
        `before (raw estimate) ${pct(before, n)}; before (old calibration rule, evaluated counts) ${pct(oldLearning, n)}; ` +
        `after (/tokenize + whole counts) ${pct(after, n)}; after (Ollama-like evaluated counts) ${pct(ollama, n)}`,
    );
    assert.ok(n >= 40);
    assert.ok(after / n >= 0.99, `after: ${pct(after, n)}; ${misses.join('; ')}`);
    assert.ok(ollama / n >= 0.99, `Ollama-like: ${pct(ollama, n)}`);
    // The failure the issue measured is reproduced by the old sizing on the same requests.
    assert.ok(before < n, `the old sizing never fell short: ${pct(before, n)} (the test would not catch the bug)`);
  });
});
