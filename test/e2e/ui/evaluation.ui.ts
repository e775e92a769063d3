/**
 * Evaluation in a real VS Code (code-server + chromium) against the fake Ollama server (TEST DOUBLE), two models
 * scripted with different answers and speeds: Run Evaluation Suite from the palette, the results
 * view shows the matrix and the quality-vs-latency chart, "Apply to my settings" writes the suggested code tier and
 * review pin into the user's settings.json; a second run where one model gets worse shows the regression.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultFakeModels } from '../../fixtures/fakeModels';
import { until } from '../../support/wait';
import { useVscode } from '../harness/session';

const fast = 'qwen2.5-coder:7b';
const big = 'qwen3:30b-a3b';

const prompt = '---\nname: Review Bugs\ndescription: Find the bug.\n---\nReview this code and name the bug. UIEVAL-PROMPT\n';
const cases = [
  'task: review',
  'cases:',
  '  - name: off by one',
  '    selection: "for (let i = 0; i <= xs.length; i++) {}"',
  '    checks: [{ type: contains, value: "UIEVAL-OK" }]',
  '    rubric: [Names the bug]',
  '  - name: missing await',
  '    selection: "const x = fetchIt(); x.then();"',
  '    checks: [{ type: contains, value: "UIEVAL-OK" }]',
  '',
].join('\n');

/** The judge always says yes; the big model waits 3 s before its first token, so the small one is clearly faster. */
function scriptModels(fake: ReturnType<ReturnType<typeof useVscode>>['fake'], fastAnswer: string): void {
  fake.reset();
  fake.script({ match: { promptIncludes: 'impartial judge' }, text: '{"verdicts":[{"criterion":1,"pass":true,"reason":"UIEVAL-JUDGED names it"}]}' });
  fake.script({ match: { model: fast }, text: fastAnswer });
  fake.script({ match: { model: big }, text: 'UIEVAL-OK <b>the loop</b> reads one past the end', firstTokenMs: 3000 });
}

suite('Evaluation (UI)', () => {
  const vs = useVscode({
    mode: 'packaged',
    models: defaultFakeModels().filter((m) => m.name === fast || m.name === big),
    settings: { 'tiered.tiers.code.model': big },
    prepareWorkspace: (workspace) => {
      const dir = path.join(workspace, '.tiered', 'prompts');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'review-bugs.tiered.md'), prompt);
      fs.writeFileSync(path.join(dir, 'review-bugs.cases.yaml'), cases);
    },
  });

  async function runSuite(): Promise<void> {
    const { wb } = vs();
    const page = wb.page;
    await wb.runCommand('Tiered: Run Evaluation Suite');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'review-bugs' }).first().click({ timeout: 60_000 });
    // The model picker: both installed models, picked by default.
    const title = page.locator('.quick-input-widget .quick-input-title', { hasText: 'on which models' });
    await title.waitFor({ timeout: 60_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: fast }).first().waitFor();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: big }).first().waitFor();
    await page.keyboard.press('Enter');
    await wb.waitForNotification(/evaluation finished: 4 cells/, 120_000);
  }

  test('run on two models → the matrix and the chart → apply the suggestion → the user settings change', async () => {
    const { wb, fake, server } = vs();
    scriptModels(fake, 'UIEVAL-OK the loop runs one step too far');
    await runSuite();
    // Both models answered both cases (and the judge was asked).
    const asked = fake.requests.filter((r) => String(JSON.stringify(r.body)).includes('UIEVAL-PROMPT') && !String(JSON.stringify(r.body)).includes('impartial judge'));
    assert.deepEqual([...new Set(asked.map((r) => String((r.body as { model?: unknown }).model)))].sort(), [fast, big].sort());

    const view = await wb.waitForWebview('table.matrix', 60_000);
    const header = await view.locator('table.matrix thead th').allInnerTexts();
    assert.deepEqual(header.map((h) => h.trim()), ['Case', fast, big]);
    const rows = await view.locator('table.matrix tbody tr:not(.totals)').allInnerTexts();
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.match(row, /100 %\s+100 %/, row);
    }
    assert.equal(await view.locator('table.matrix td.r4').count(), 4, 'every cell coloured as passing');
    // The chart: one dot per model, the suggested one marked.
    const chart = view.locator('svg.quality-latency');
    await chart.first().waitFor();
    assert.equal(await chart.locator('circle').count(), 2);
    assert.match(await chart.locator('circle.picked title').innerHTML(), new RegExp(`^${fast.replace(/[.:]/g, '\\$&')}: 100 %`));
    // The suggestion in words, then the drill-down to an answer (escaped) and a judgment.
    const suggestion = await view.locator('section.suggestion').innerText();
    assert.match(suggestion, /review: qwen2\.5-coder:7b passes 100 % of your 2 review cases at 1\/\d+ of qwen3:30b-a3b's time/);
    assert.match(suggestion, /tier code → qwen2\.5-coder:7b/);
    assert.match(suggestion, /pin review → code/);
    await view.locator('details.drill > summary').click();
    await view.locator('details.cell > summary', { hasText: `${big} · off by one` }).click();
    const cell = view.locator('details.cell[open]');
    assert.match(await cell.locator('pre.answer').innerText(), /<b>the loop<\/b>/, 'the answer shows as text, not markup');
    assert.match(await cell.locator('ul.verdicts').innerText(), /pass Names the bug — UIEVAL-JUDGED names it/);
    await wb.screenshot('ui-evaluation-results');

    // One click applies it to the user's settings.
    await view.locator('a.apply').click();
    const settingsFile = path.join(server.userDataDir, 'User', 'settings.json');
    const written = await until(() => {
      const text = fs.readFileSync(settingsFile, 'utf8');
      return /"tiered\.tiers\.code\.model":\s*"qwen2\.5-coder:7b"/.test(text) && /"tiered\.routing\.pins":\s*\{\s*"review":\s*"code"\s*\}/.test(text) ? text : undefined;
    }, 60_000);
    assert.ok(written, `the user settings got the code tier and the review pin: ${fs.readFileSync(settingsFile, 'utf8')}`);
    await wb.waitForNotification(/applied from the evaluation — code → qwen2\.5-coder:7b, review pinned to code/, 60_000);
    // The page is rendered again: nothing left to apply.
    await (await wb.waitForWebview('section.suggestion p.note', 60_000)).locator('text=already match').first().waitFor({ timeout: 60_000 });
  });

  test('a second run where one model gets worse: the regression is marked against the previous run', async () => {
    const { wb, fake } = vs();
    await wb.clearNotifications();
    fake.reset();
    scriptModels(fake, 'the loop looks fine to me');
    await runSuite();
    const view = await wb.waitForWebview('td.regressed', 60_000);
    assert.equal(await view.locator('td.regressed').count(), 2, 'both cases of the model that got worse');
    assert.match(await view.locator('p.comparison').innerText(), /2 regressions, 0 improvements/);
    assert.match(await view.locator('ul.regressions').innerText(), /qwen2\.5-coder:7b · off by one 100 % → 50 %/);
  });
});
