import * as assert from 'node:assert/strict';
import type { ChatHistoryMessage } from '../../../src/chat/chatTypes';
import {
  adjustPrompt,
  assembleChatPrompt,
  contextLineCount,
  DEFAULT_SYSTEM_PROMPT,
  essentialPromptTokens,
  selectedLinesMarker,
  titleFrom,
  withoutRepeatedLines,
  type ChatContextItem,
} from '../../../src/chat/promptAssembly';
import { approximateCounter } from '../../../src/context/tokenCounter';

const counter = approximateCounter();

/** A thread of alternating turns ending with the user's question. */
function thread(...contents: string[]): ChatHistoryMessage[] {
  return contents.map((content, i) => ({
    id: `m${i}`,
    parentId: i === 0 ? null : `m${i - 1}`,
    role: i % 2 === 0 ? 'user' : 'assistant',
    content,
    createdAt: i,
    status: 'complete',
  }));
}

function item(id: string, kind: 'selection' | 'file', text: string): ChatContextItem {
  return { id, kind, label: `${id}.ts`, languageId: 'typescript', text };
}

suite('chat prompt assembly (message → prompt)', () => {
  test('system first, earlier turns in order, context before the question in the last user message', () => {
    const prompt = assembleChatPrompt({
      thread: thread('first question', 'first answer', 'What does this do?'),
      context: [item('file', 'file', 'export const wholeFile = 1;'), item('sel', 'selection', 'const picked = 2;')],
      promptBudget: 4000,
      counter,
    });
    assert.deepEqual(prompt.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
    assert.equal(prompt.messages[0]?.content, DEFAULT_SYSTEM_PROMPT);
    assert.equal(prompt.messages[1]?.content, 'first question');
    const last = prompt.messages.at(-1)?.content ?? '';
    // The selection (what the user pointed at) comes before the file, and both before the question, which ends the prompt.
    assert.ok(last.indexOf('const picked = 2;') < last.indexOf('export const wholeFile = 1;'));
    assert.ok(last.endsWith('What does this do?'));
    assert.match(prompt.report, /sel\.ts included/);
    assert.equal(prompt.droppedMessages, 0);
    assert.equal(prompt.shortenedMessages, 0);
  });

  test('context code is fenced longer than any backtick run in it, so it cannot close its fence', () => {
    const prompt = assembleChatPrompt({ thread: thread('q'), context: [item('sel', 'selection', 'const s = `x`;\n```\nnot the end\n```')], promptBudget: 4000, counter });
    const last = prompt.messages.at(-1)?.content ?? '';
    assert.match(last, /^Selected code from sel\.ts:\n````typescript\n/);
    assert.match(last, /\n````\n\nq$/);
  });

  test('a file bigger than its share of the budget is cut by lines and reported; one with no room is dropped', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `export const line${i} = ${i};`).join('\n');
    const prompt = assembleChatPrompt({ thread: thread('q'), context: [item('big', 'file', big), item('other', 'file', big)], promptBudget: 1500, counter });
    const last = prompt.messages.at(-1)?.content ?? '';
    assert.match(last, /… \[\d+ more lines cut\]/);
    assert.match(prompt.report, /big\.ts trimmed \(\d+ → ~\d+ tokens\)/);
    assert.match(prompt.report, /other\.ts dropped/);
    assert.ok(prompt.tokens <= 1500);
  });

  test('a long conversation keeps the system message and the latest turns; the oldest are dropped and counted', () => {
    const turns = Array.from({ length: 21 }, (_, i) => `turn ${i}: ${'words about code '.repeat(40)}`);
    const prompt = assembleChatPrompt({ thread: thread(...turns), context: [], promptBudget: 1200, counter });
    assert.equal(prompt.messages[0]?.role, 'system');
    assert.ok(prompt.messages.at(-1)?.content.startsWith('turn 20:'));
    assert.ok(prompt.droppedMessages > 0);
    assert.ok(!prompt.messages.some((m) => m.content.includes('turn 0:')));
    assert.match(prompt.messages[1]?.content ?? '', /earlier messages? cut/, 'the model is told turns were cut');
    assert.match(prompt.report, new RegExp(`${prompt.droppedMessages} earlier dropped`));
    assert.ok(prompt.tokens <= 1200);
  });

  test('essential tokens: the system message and the question, not the earlier turns', () => {
    const short = essentialPromptTokens({ thread: thread('long earlier question '.repeat(200), 'answer', 'q?'), counter });
    const long = essentialPromptTokens({ thread: thread('q?', 'answer', 'long question '.repeat(200)), counter });
    assert.ok(short < counter.count(DEFAULT_SYSTEM_PROMPT) + 20);
    assert.ok(long > short + 200);
  });

  test('a question longer than the whole budget is shortened from its start, keeping where it asks', () => {
    const prompt = assembleChatPrompt({ thread: thread(`${'filler text '.repeat(2000)}END-OF-QUESTION?`), context: [], promptBudget: 600, counter });
    assert.ok((prompt.messages.at(-1)?.content ?? '').endsWith('END-OF-QUESTION?'));
    assert.equal(prompt.shortenedMessages, 1);
    assert.ok(prompt.tokens <= 600);
  });

  test('a thread that does not end with the user is refused; an empty unfinished answer is never sent back', () => {
    assert.throws(() => assembleChatPrompt({ thread: thread('q', 'a'), context: [], promptBudget: 1000, counter }), /must end with a user message/);
    const failed: ChatHistoryMessage = { id: 'x', parentId: 'm0', role: 'assistant', content: '', createdAt: 9, status: 'error' };
    const [q1, , q2] = thread('q1', 'unused', 'q2');
    const prompt = assembleChatPrompt({ thread: [q1!, failed, { ...q2!, parentId: 'x' }], context: [], promptBudget: 1000, counter });
    assert.deepEqual(prompt.messages.map((m) => m.role), ['system', 'user', 'user']);
  });

  test('titles and the shorter / more detail follow-ups', () => {
    assert.equal(titleFrom('  How   do I\nexport?  '), 'How do I export?');
    assert.equal(titleFrom('x'.repeat(100)).length, 58);
    assert.equal(titleFrom('   '), 'New conversation');
    assert.match(adjustPrompt('shorter'), /shorter/);
    assert.match(adjustPrompt('moreDetail'), /more detail/);
  });
  // Issue 16: a selection plus the active file sent the selected lines twice, and the router counted both
  // ("code of 250 lines" for a 120-line selection in a 130-line file).
  test('a file sent beside a selection from it leaves the selected lines out, with a marker; each line is counted once', () => {
    const file = Array.from({ length: 130 }, (_, i) => `const line${i + 1} = ${i + 1};`).join('\n');
    const selected = file.split('\n').slice(9, 129).join('\n');
    const context: ChatContextItem[] = [
      { id: 'selection', kind: 'selection', label: 'src/a.ts:10-129', languageId: 'typescript', text: selected },
      { id: 'file', kind: 'file', label: 'src/a.ts', languageId: 'typescript', text: file },
    ];
    const out = assembleChatPrompt({ thread: thread('What does this do?'), context, promptBudget: 8000, counter });
    const prompt = out.messages.at(-1)?.content ?? '';
    for (const n of [10, 64, 129]) {
      assert.equal(prompt.split(`const line${n} = ${n};`).length - 1, 1, `line ${n} is sent once`);
    }
    for (const n of [1, 9, 130]) {
      assert.equal(prompt.split(`const line${n} = ${n};`).length - 1, 1, `line ${n} of the file is still there`);
    }
    assert.ok(prompt.includes('const line9 = 9;\n… selected lines 10–129 above …\nconst line130 = 130;'));
    assert.equal(contextLineCount(context), 130);
    // Whole lines selected (the selection ends at the start of the next line): that next line stays in the file.
    const whole: ChatContextItem[] = [{ ...context[0]!, label: 'src/a.ts:10-130', text: `${selected}\n` }, context[1]!];
    assert.ok(withoutRepeatedLines(whole)[1]!.text.includes('… selected lines 10–129 above …\nconst line130 = 130;'));
    assert.equal(contextLineCount(whole), 130);
  });

  test('a selection leaves other files alone, and a file without a selection is sent whole', () => {
    const context: ChatContextItem[] = [
      { id: 'selection', kind: 'selection', label: 'src/a.ts:1-2', languageId: 'typescript', text: 'a\nb' },
      { id: 'other', kind: 'file', label: 'src/b.ts', languageId: 'typescript', text: 'a\nb\nc' },
    ];
    assert.deepEqual(withoutRepeatedLines(context), context);
    assert.equal(contextLineCount(context), 5);
    assert.equal(selectedLinesMarker(3, 3), '… selected line 3 above …');
  });
});
