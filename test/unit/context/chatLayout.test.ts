import * as assert from 'node:assert/strict';
import type { ChatMessage } from '../../../src/backend/types';
import { isTieredError } from '../../../src/backend/errors';
import { layoutChat } from '../../../src/context/chatLayout';
import { approximateCounter, tiktokenCounter } from '../../../src/context/tokenCounter';
import type { TokenCounter } from '../../../src/context/tokenCounter';
import { seededRandom } from './helpers';

const counter = tiktokenCounter();

function conversation(turns: number): ChatMessage[] {
  const out: ChatMessage[] = [{ role: 'system', content: 'You are Tiered, a concise coding assistant.' }];
  for (let i = 0; i < turns; i++) {
    out.push({ role: 'user', content: `Question ${i}: how do I handle case ${i}? ${'detail '.repeat(20)}` });
    out.push({ role: 'assistant', content: `Answer ${i}: like this. ${'explanation '.repeat(25)}` });
  }
  out.push({ role: 'user', content: 'Final question: and the last case?' });
  return out;
}

function cost(messages: readonly ChatMessage[], c: TokenCounter = counter, overhead = 4): number {
  return messages.reduce((s, m) => s + c.count(m.content) + overhead, 0);
}

suite('context/layoutChat', () => {
  test('everything fits: unchanged', () => {
    const messages = conversation(2);
    const result = layoutChat(messages, 10_000, counter);
    assert.deepEqual(result.messages, messages);
    assert.equal(result.report.dropped, 0);
    assert.equal(result.tokens, cost(messages));
  });

  test('over budget: the system message stays first, the latest turns last, the oldest are dropped visibly', () => {
    const messages = conversation(10);
    const result = layoutChat(messages, 400, counter);
    assert.ok(result.tokens <= 400 && result.tokens === cost(result.messages));
    assert.equal(result.messages[0]?.content, messages[0]?.content);
    assert.equal(result.messages.at(-1)?.content, 'Final question: and the last case?');
    assert.ok(result.report.dropped > 0);
    const firstTurn = result.messages[1];
    assert.equal(firstTurn?.role, 'user', 'resumes with a user turn');
    assert.match(firstTurn?.content ?? '', new RegExp(`^… \\[${result.report.dropped} earlier messages cut\\] …\\n\\n`));
    assert.ok(result.messages.at(-2)?.content.startsWith('Answer 9:'), 'the latest turns are kept');
    assert.ok(!result.messages.some((m) => m.content.includes('Question 0:')), 'the oldest turn is dropped');
    assert.match(result.report.summary, /earlier dropped/);
  });

  test('a last message longer than the budget is shortened visibly, keeping its end (the question)', () => {
    const huge = `${'log line with details\n'.repeat(2000)}So why does it crash?`;
    const result = layoutChat([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: huge }], 300, counter);
    assert.ok(result.tokens <= 300);
    const last = result.messages.at(-1)?.content ?? '';
    assert.ok(last.endsWith('So why does it crash?'));
    assert.match(last, /^… \[\d+ lines cut\] …/);
    assert.equal(result.report.trimmed, 1);
  });

  test('a budget too small for anything is a typed error; an empty chat is empty', () => {
    assert.throws(() => layoutChat(conversation(1), 3, counter), (e: unknown) => isTieredError(e, 'contextOverflow'));
    assert.deepEqual(layoutChat([], 100, counter).messages, []);
  });

  test('property: random conversations and budgets never exceed the budget', () => {
    const approx = approximateCounter();
    let ok = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rand = seededRandom(seed);
      const messages: ChatMessage[] = [];
      if (rand() < 0.8) {
        messages.push({ role: 'system', content: 'System rules.\n'.repeat(1 + Math.floor(rand() * 20)) });
      }
      const n = Math.floor(rand() * 12);
      for (let i = 0; i < n; i++) {
        messages.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i}\n`.repeat(1 + Math.floor(rand() * 60)) + (rand() < 0.1 ? '😀\u0000\r\n' : '') });
      }
      const budget = Math.floor(rand() * 1500);
      try {
        const result = layoutChat(messages, budget, approx);
        assert.ok(result.tokens <= budget, `${result.tokens} > ${budget}`);
        assert.equal(result.tokens, cost(result.messages, approx));
        if (messages.length > 0 && messages.at(-1)?.role !== 'system') {
          assert.equal(result.messages.at(-1)?.role, messages.at(-1)?.role);
        }
        ok += 1;
      } catch (e) {
        assert.ok(isTieredError(e, 'contextOverflow'), String(e));
        assert.ok(budget < 100, `overflow at budget ${budget}`);
      }
    }
    assert.ok(ok > 150);
  });
});
