import * as assert from 'node:assert/strict';
import { errors, TieredError } from '../../../src/backend/errors';
import type { ChatMessage, JsonSchema } from '../../../src/backend/types';
import { computeBudget } from '../../../src/context/budget';
import { layoutPrompt } from '../../../src/context/layout';
import { approximateCounter } from '../../../src/context/tokenCounter';
import { reviewJsonSchema } from '../../../src/review/findings';
import { runReview } from '../../../src/review/runReview';
import type { ReviewRun } from '../../../src/review/runReview';
import type { CodeUnderReview } from '../../../src/review/prompts';

const code: CodeUnderReview = { text: 'let total = 0;\nif (total = 1) {\n  go();\n}', startLine: 20, path: 'src/a.ts', languageId: 'typescript' };
const good = JSON.stringify({
  summary: 'One bug.',
  findings: [
    { severity: 'high', category: 'bug', startLine: 21, endLine: 21, quote: 'if (total = 1) {', explanation: 'Assignment in condition.', replacement: 'if (total === 1) {' },
    { severity: 'low', category: 'style', startLine: 22, endLine: 22, quote: 'launchMissiles();', explanation: 'Invented.', replacement: '' },
  ],
});

interface Call {
  messages: readonly ChatMessage[];
  format: JsonSchema | undefined;
}

function scripted(answers: (string | Error)[], budget = 4000): { run: Omit<ReviewRun, 'mode'>; calls: Call[] } {
  const calls: Call[] = [];
  const counter = approximateCounter();
  return {
    calls,
    run: {
      code,
      snippets: [{ kind: 'enclosingSymbol', title: 'function main (src/a.ts:18)', text: 'function main() {\n  let total = 0;\n}', language: 'typescript' }],
      layout: (items, render) => layoutPrompt(items, budget, counter, { render }),
      chat: async (messages, format) => {
        calls.push({ messages, format });
        const next = answers.shift();
        if (next === undefined) {throw new Error('no more answers');}
        if (next instanceof Error) {throw next;}
        return next;
      },
    },
  };
}

suite('review/runReview', () => {
  test('structured output: the JSON schema is sent, grounded findings kept, invented ones dropped and counted', async () => {
    const { run, calls } = scripted([good]);
    const out = await runReview({ ...run, mode: 'json' });
    assert.equal(out.kind, 'review');
    if (out.kind !== 'review') {return;}
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.format, reviewJsonSchema);
    assert.equal(out.reported, 2);
    assert.equal(out.grounding.findings.length, 1);
    assert.equal(out.grounding.dropped.length, 1);
    assert.equal(out.grounding.findings[0]!.location.startLine, 21);
    assert.equal(out.attempts, 1);
  });

  test('the prompt has the instructions first, context in the middle, the gutter selection and the question last', async () => {
    const { run, calls } = scripted([good]);
    await runReview({ ...run, mode: 'json' });
    const prompt = calls[0]!.messages[0]!.content;
    const iInstr = prompt.indexOf('careful, experienced code reviewer');
    const iCtx = prompt.indexOf('Related code: function main');
    const iSel = prompt.indexOf('21 | if (total = 1) {');
    const iQ = prompt.indexOf('Review the selected code (lines 20-23 of src/a.ts)');
    assert.ok(prompt.startsWith('You are a careful') && iInstr < iCtx && iCtx < iSel && iSel < iQ, `order ${iInstr} ${iCtx} ${iSel} ${iQ}`);
  });

  test('a malformed answer gets one repair prompt with the validation errors, then succeeds', async () => {
    const bad = JSON.stringify({ summary: '', findings: [{ severity: 'urgent', category: 'bug', startLine: 21, endLine: 21, quote: 'x', explanation: 'y' }] });
    const { run, calls } = scripted([bad, good]);
    const out = await runReview({ ...run, mode: 'json' });
    assert.equal(out.kind, 'review');
    assert.equal(calls.length, 2);
    const repair = calls[1]!.messages;
    assert.equal(repair.length, 1);
    const prompt = repair[0]!.content;
    assert.ok(prompt.startsWith('You are a careful'), 'the instructions stay first');
    assert.ok(prompt.includes(`Your previous answer (it could not be used):\n${bad}`), 'the invalid answer is quoted');
    assert.match(prompt, /findings\[0\]\.severity[\s\S]*Answer again with ONLY the JSON object/);
    assert.ok(prompt.indexOf('21 | if (total = 1) {') < prompt.indexOf('could not be used:\n-'), 'the selection, then what to fix, last');
    assert.equal(calls[1]!.format, reviewJsonSchema);
    assert.equal(out.attempts, 2);
  });

  test('a repair retry on a long invalid answer stays within the budget (num_ctx) and keeps the instructions', async () => {
    // Issue 16: the repair re-sent the model's whole invalid answer beside the full prompt: 1,831 tokens in num_ctx 1500,
    // and Ollama would have cut the start of the prompt, the instructions.
    const counter = approximateCounter();
    const budget = computeBudget({ contextLength: 32768, maxContextSetting: 1500, answerReserve: 2048, neededTokens: 2000 });
    const long = `Here is my review. ${'The code assigns total inside the condition, which is almost certainly a bug; '.repeat(120)}`;
    const { run, calls } = scripted([long, good], budget.promptBudget);
    const out = await runReview({
      ...run,
      snippets: [...run.snippets, { kind: 'definition', title: 'definition of go (src/go.ts:1)', text: 'export function go(): void {\n  launch();\n}', language: 'typescript', relation: 'called' }],
      mode: 'json',
    });
    assert.equal(out.kind, 'review');
    assert.equal(calls.length, 2);
    for (const call of calls) {
      // Every request: the messages' tokens plus the chat template's few per message fit the window.
      const tokens = call.messages.reduce((n, m) => n + counter.count(m.content) + 4, 0);
      assert.ok(tokens <= budget.numCtx - budget.answerReserve, `${tokens} tokens for num_ctx ${budget.numCtx} with ${budget.answerReserve} kept for the answer`);
    }
    const repair = calls[1]!.messages.map((m) => m.content).join('\n');
    assert.ok(repair.startsWith('You are a careful, experienced code reviewer.'), 'the instructions are kept, first');
    assert.ok(repair.includes('21 | if (total = 1) {'), 'the selection is kept');
    assert.match(repair, /Your previous answer \(it could not be used\):\nHere is my review\./);
    assert.match(repair, /lines? cut\] …|characters cut\] …/, 'the invalid answer is quoted only in part, visibly');
    assert.ok(!repair.includes(long), 'not the whole invalid answer');
  });

  test('still malformed after the repair: a clear invalid outcome, no third call', async () => {
    const { run, calls } = scripted(['not json at all', '{"findings": "nope"}']);
    const out = await runReview({ ...run, mode: 'json' });
    assert.equal(out.kind, 'invalid');
    assert.equal(calls.length, 2);
    assert.match(out.kind === 'invalid' ? out.problems.join(' ') : '', /findings/);
  });

  test('a refusal is reported as such, not as findings', async () => {
    const { run } = scripted(["I'm sorry, I can't assist with that."]);
    const out = await runReview({ ...run, mode: 'json' });
    assert.equal(out.kind, 'refusal');
  });

  test('a server that rejects structured output gets the text format instead, with a note', async () => {
    const textAnswer = 'SUMMARY: One bug.\nFINDING\nseverity: high\ncategory: bug\nlines: 21\nquote:\n<<<\nif (total = 1) {\n>>>\nexplanation: Assignment.\nreplacement:\n<<<\nif (total === 1) {\n>>>\nEND FINDING';
    const rejected = errors.server(400, "response_format 'json_schema' is not supported", 'http://x');
    const { run, calls } = scripted([rejected, textAnswer]);
    const out = await runReview({ ...run, mode: 'json' });
    assert.equal(out.kind, 'review');
    if (out.kind !== 'review') {return;}
    assert.equal(out.mode, 'text');
    assert.equal(calls[1]!.format, undefined);
    assert.match(calls[1]!.messages[0]!.content, /END FINDING/);
    assert.equal(out.grounding.findings.length, 1);
    assert.match(out.notes.join(' '), /structured output/);
  });

  test('other errors propagate unchanged', async () => {
    const { run } = scripted([errors.unreachable('http://127.0.0.1:1')]);
    await assert.rejects(runReview({ ...run, mode: 'json' }), (e: unknown) => e instanceof TieredError && e.kind === 'unreachable');
  });

  test('a selection too big for the budget is cut with a visible note', async () => {
    const big: CodeUnderReview = { ...code, text: Array.from({ length: 3000 }, (_, i) => `const v${i} = compute(${i}) + other(${i});`).join('\n') };
    const { run, calls } = scripted([JSON.stringify({ summary: 'fine', findings: [] })], 2000);
    const out = await runReview({ ...run, code: big, mode: 'json' });
    assert.equal(out.kind, 'review');
    assert.match(out.notes.join(' '), /selection was too long.*lines were cut/);
    assert.match(calls[0]!.messages[0]!.content, /lines cut/);
  });
});
