/**
 * "Save as test case" from the chat, in the real VS Code with the packaged extension and the fake Ollama server
 * (a TEST DOUBLE): an answer the user liked becomes a case of the workspace's "Chat answers" suite
 * (`.tiered/evals/cases/chat-answers.cases.yaml`), with the message and a criterion quoting the answer, and the file
 * opens at the new case; a disliked one is added beside it as a case of what to avoid.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useVscode } from '../harness/session';
import { sendChatMessage as send, until } from '../harness/tieredUi';

suite('Chat answer saved as a test case (UI)', () => {
  const vs = useVscode({ mode: 'packaged', settings: { 'tiered.tiers.small.model': 'llama3.2:3b', 'tiered.tiers.code.model': 'qwen2.5-coder:7b' } });

  test('Good: test it and Bad: test it write cases of the chat suite, and the file opens at the new case', async () => {
    const { wb, fake, workspace } = vs();
    fake.script({ match: { path: '/api/chat', promptIncludes: 'CASE-Q1' }, times: 1, text: 'Use a Set: CASE-GOOD.' });
    fake.script({ match: { path: '/api/chat', promptIncludes: 'CASE-Q2' }, times: 1, text: 'Loop twice: CASE-BAD.' });
    const frame = await wb.chatFrame();
    await send(frame, 'How do I remove duplicates from a list? CASE-Q1');
    const good = frame.locator('article.message.assistant', { hasText: 'CASE-GOOD' }).last();
    await good.locator('.message-actions button', { hasText: 'Good: test it' }).click({ timeout: 60_000 });

    const file = path.join(workspace, '.tiered', 'evals', 'cases', 'chat-answers.cases.yaml');
    const read = (): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    assert.ok(await until(wb, () => read().includes('CASE-Q1'), 60_000), `the cases file has the message: ${read()}`);
    assert.match(read(), /CASE-GOOD/, 'the liked answer is quoted in its criterion');
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'chat-answers.cases.yaml' }).waitFor({ timeout: 30_000 });

    const chat = await wb.chatFrame();
    await send(chat, 'Make it faster CASE-Q2');
    const bad = chat.locator('article.message.assistant', { hasText: 'CASE-BAD' }).last();
    await bad.locator('.message-actions button', { hasText: 'Bad: test it' }).click({ timeout: 60_000 });
    assert.ok(await until(wb, () => read().includes('CASE-Q2'), 60_000), `the disliked answer's case is added: ${read()}`);
    const text = read();
    assert.ok(text.includes('CASE-Q1') && text.includes('CASE-Q2'), 'the first case is kept');
  });
});
